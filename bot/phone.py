"""A simulated phone: sends the updates a person's Telegram app would send (commands, typed
text, button taps, photos, documents, locations, stickers) to the real Application, and
reads back what the bot answered through the offline Bot API.

Used by the offline console and by the end-to-end tests, so both speak to the bot exactly
as a phone does.
"""

import itertools
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.offline import ApiCall, OfflineBotAPI
from bot.services import services_of

# Update ids are remembered in the database (an update seen twice is ignored), so a new
# console session must not reuse the ids of the last one: start from the clock.
_update_ids = itertools.count(int(time.time() * 1000))


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent (or edited) in this chat."""

    message_id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    method: str

    @property
    def button_labels(self) -> list[str]:
        """Every button's label, row by row."""
        return [label for row in self.buttons for label, _ in row]


def _bot_message(call: ApiCall, message_id: int) -> BotMessage:
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    buttons = [[(b["text"], b.get("callback_data", "")) for b in row] for row in rows]
    text = str(call.params.get("text") or call.params.get("caption") or "")
    return BotMessage(message_id, text, buttons, call.method)


class Phone:
    """One person's Telegram app, talking to ``application`` through ``api``."""

    def __init__(
        self,
        application: Application,
        api: OfflineBotAPI,
        user_id: int,
        first_name: str = "Người dùng",
    ) -> None:
        self.application = application
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        # message id -> the message as it now stands (edits replace it)
        self._shown: dict[int, BotMessage] = {}
        # From the start: what the bot sent this chat before the phone was picked up (a
        # console member switched to later) is on its screen too.
        self._read = 0

    # --- what the person does -------------------------------------------------------------

    async def send(self, text: str) -> list[BotMessage]:
        """Type ``text`` (a command if it starts with /) and send it."""
        message = self._message(text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._deliver({"message": message})

    async def tap(self, label: str) -> list[BotMessage]:
        """Tap the button labelled ``label`` (or starting with it) on the latest message
        that shows it.
        """
        for shown in reversed(list(self._shown.values())):
            for row in shown.buttons:
                for text, data in row:
                    if text == label or text.startswith(label):
                        return await self.press(data, shown.message_id)
        raise LookupError(f"no button {label!r} on screen")

    async def press(self, callback_data: str, message_id: int | None = None) -> list[BotMessage]:
        """Send a button tap with any callback data (as a forged client could)."""
        if message_id is None:
            message_id = max(self._shown) if self._shown else self.api.next_message_id()
        shown = self._shown.get(message_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private"},
            "from": {"id": 1000000001, "is_bot": True, "first_name": "Bot"},
            "text": shown.text if shown else "",
        }
        query = {
            "id": str(next(_update_ids)),
            "from": self._user(),
            "chat_instance": str(self.user_id),
            "message": message,
            "data": callback_data,
        }
        return await self._deliver({"callback_query": query})

    async def send_photo(
        self, content: bytes = b"\xff\xd8photo", caption: str = "", album: str = ""
    ) -> list[BotMessage]:
        """Send a photo (Telegram sends several sizes; the bot should keep the largest);
        with ``album``, as one photo of that album (media group).
        """
        file_id = f"photo-{next(_update_ids)}"
        self.api.add_file(file_id, content)
        small = {"file_id": file_id + "-small", "file_unique_id": "s", "width": 90, "height": 90}
        large = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "width": 1280,
            "height": 960,
            "file_size": len(content),
        }
        extra = {"media_group_id": album} if album else {}
        return await self._deliver(
            {"message": self._message(photo=[small, large], caption=caption, **extra)}
        )

    async def send_document(
        self, content: bytes, file_name: str, size: int | None = None
    ) -> list[BotMessage]:
        """Send a file as a document (``size`` may claim more than ``content`` holds)."""
        file_id = f"doc-{next(_update_ids)}"
        self.api.add_file(file_id, content)
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "file_size": size if size is not None else len(content),
        }
        return await self._deliver({"message": self._message(document=document)})

    async def send_location(self, latitude: float, longitude: float) -> list[BotMessage]:
        """Share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._deliver({"message": self._message(location=location)})

    async def send_sticker(self) -> list[BotMessage]:
        """Send a sticker."""
        sticker = {
            "file_id": "sticker",
            "file_unique_id": "sticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self._deliver({"message": self._message(sticker=sticker)})

    # --- plumbing -------------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.api.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            "from": self._user(),
            **content,
        }

    def inbox(self) -> list[BotMessage]:
        """What the bot sent this chat since the phone last looked (e.g. a reminder)."""
        calls, self._read = self.api.calls[self._read :], len(self.api.calls)
        return self._collect(calls)

    async def _deliver(self, payload: dict[str, Any]) -> list[BotMessage]:
        self.inbox()  # what came before this update is on screen, not part of the answer
        update = Update.de_json({"update_id": next(_update_ids), **payload}, self.application.bot)
        await self.application.process_update(update)
        # What the update started after its commit (a fan-out, a plan file) belongs to the
        # answer a person sees, though the bot does not wait for it.
        await services_of(self.application).settle()
        return self.inbox()

    def _collect(self, calls: list[ApiCall]) -> list[BotMessage]:
        """Apply the bot's sends and edits in this chat; return what it said (sends and
        text edits, in order).
        """
        said: list[BotMessage] = []
        for call in calls:
            if int(call.params.get("chat_id", 0) or 0) != self.user_id:
                continue
            if call.result is None:
                continue  # refused by the API (403, 429, …): the phone never saw it
            if call.method in ("sendMessage", "sendPhoto", "sendDocument", "sendLocation"):
                assert isinstance(call.result, dict)
                message = _bot_message(call, int(call.result["message_id"]))
                self._shown[message.message_id] = message
                said.append(message)
            elif call.method == "editMessageText":
                message = _bot_message(call, int(call.params["message_id"]))
                self._shown[message.message_id] = message
                said.append(message)
            elif call.method == "editMessageReplyMarkup":
                old = self._shown.get(int(call.params["message_id"]))
                if old is not None:
                    self._shown[old.message_id] = BotMessage(
                        old.message_id, old.text, _bot_message(call, 0).buttons, old.method
                    )
        return said
