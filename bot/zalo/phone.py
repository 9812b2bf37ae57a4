"""A simulated Zalo app: sends the messages a person's Zalo would send (text, images) to
the real conversation core through :class:`~bot.zalo.runner.ZaloRunner`, and reads back
what the bot sent through the offline Zalo Bot API.

It answers like :class:`bot.phone.Phone` (a list of :class:`~bot.phone.BotMessage`), with
no buttons: Zalo shows options as numbered lines, and :meth:`ZaloPhone.choose` types the
number of the line that carries a label.
"""

import itertools
import re
import time

from bot.phone import BotMessage
from bot.zalo.offline import OfflineZaloAPI, image_update, sticker_update, text_update
from bot.zalo.runner import ZaloRunner
from bot.zalo.types import parse_update

_files = itertools.count(int(time.time() * 1000))
_NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$")


class ZaloPhone:
    """One person's Zalo app, talking to the bot through ``runner`` and ``api``."""

    def __init__(
        self, runner: ZaloRunner, api: OfflineZaloAPI, user_id: str, name: str = "Người dùng"
    ) -> None:
        self.runner = runner
        self.api = api
        self.user_id = user_id
        self.first_name = name
        self._read = 0
        self._last: list[BotMessage] = []

    async def send(self, text: str) -> list[BotMessage]:
        """Type ``text`` and send it."""
        return await self._deliver(text_update(text, self.user_id, self.first_name))

    async def choose(self, label: str) -> list[BotMessage]:
        """Type the number of the option whose label holds ``label``, in the latest
        message that lists it.
        """
        for message in reversed(self._last):
            for line in message.text.split("\n"):
                match = _NUMBERED.match(line.strip())
                if match and label in match[2]:
                    return await self.send(match[1])
        raise LookupError(f"no option {label!r} on screen")

    async def send_photo(
        self, content: bytes = b"\xff\xd8photo", caption: str = ""
    ) -> list[BotMessage]:
        """Send an image (Zalo gives the bot its URL)."""
        url = f"https://photo.zalo.example/{next(_files)}.jpg"
        self.api.add_file(url, content)
        update = image_update(url, self.user_id, self.first_name, caption=caption or None)
        return await self._deliver(update)

    async def send_sticker(self) -> list[BotMessage]:
        """Send a sticker (the bot does not read them, and says so)."""
        return await self._deliver(sticker_update(self.user_id, self.first_name))

    def inbox(self) -> list[BotMessage]:
        """What the bot sent this chat since the phone last looked."""
        sent = self.api.sent(self.user_id)
        fresh, self._read = sent[self._read :], len(sent)
        messages = [
            BotMessage(
                index,
                str(call.params.get("text") or call.params.get("caption") or ""),
                [],
                call.method,
            )
            for index, call in enumerate(fresh, start=self._read - len(fresh) + 1)
        ]
        if messages:
            self._last = messages
        return messages

    async def _deliver(self, payload: dict[str, object]) -> list[BotMessage]:
        self.inbox()
        message = parse_update(payload, other_messages=True)
        if message is not None:
            await self.runner.dispatch(message)
        await self.runner.services.settle()
        return self.inbox()
