"""The offline console: try the bot without Telegram or Zalo.

The real Application and handlers run against the offline Bot API; you type as a chosen
member. On Telegram (the default) buttons are shown as numbered options: type the number to
tap one. With ``--channel zalo`` you see exactly what a Zalo user reads: plain text, the
options as numbered lines, which you answer by typing. It reads plain lines, so a scripted
demo can pipe its input in.
"""

import asyncio
import html
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from bot import texts
from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.phone import BotMessage, Phone
from bot.services import services_of
from bot.settings import Settings
from bot.zalo.client import ZaloClient
from bot.zalo.offline import OFFLINE_TOKEN as ZALO_OFFLINE_TOKEN
from bot.zalo.offline import OfflineZaloAPI
from bot.zalo.phone import ZaloPhone
from bot.zalo.runner import ZaloRunner
from models.accounts import TELEGRAM, ZALO, accounts_of, link_account
from models.db import transaction
from models.members import create_member, redeem_invite
from models.tables import Commune, Member, Role
from models.textfold import fold
from scheduler.runner import run_tick

STRANGER_ID = 555_000_001
FILES_DIR = Path("data/console-files")
_DEMO_MEMBERS = [
    (Role.CHAIRMAN, "Nguyễn Văn An", None),
    (Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã"),
    (Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã"),
    (Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1"),
]
_DEMO_ID_BASE = 900_000_000
HELP = """Lệnh của bản thử (mọi dòng khác được gửi cho bot như tin nhắn):
  /as TÊN       nói với tư cách thành viên đó (một phần tên là đủ; /as stranger: người lạ)
  /who          các thành viên có thể chọn
  /photo        gửi một ảnh         /file ĐƯỜNG-DẪN  gửi tệp đó    /location  gửi vị trí
  /sticker      gửi nhãn dán        /quit        thoát
  /tick [YYYY-MM-DD HH:MM]   chạy bộ nhắc việc ngay, hoặc như vào giờ đó (giờ địa phương)
Gõ số của nút để bấm nút đó."""


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"</?(b|i|code|a)[^>]*>", "", text))


def _read_file(argument: str) -> tuple[Path, bytes | None]:
    """The file a console user named, and its bytes (None if there is no such file)."""
    path = Path(argument).expanduser()
    return path, path.read_bytes() if path.is_file() else None


class Console:
    """Reads lines, sends them as the current member, prints what the bot answers."""

    def __init__(
        self,
        settings: Settings,
        out: TextIO,
        channel: str = TELEGRAM,
        files_dir: Path = FILES_DIR,
    ) -> None:
        self.api = OfflineBotAPI()
        self.files_dir = files_dir
        self.application = build_application(settings, request=self.api)
        self.out = out
        self.channel = channel
        self.zalo_api = OfflineZaloAPI()
        self._zalo_http = httpx.AsyncClient(transport=self.zalo_api)
        self.zalo = ZaloRunner(
            services_of(self.application),
            settings.zalo,
            ZaloClient(ZALO_OFFLINE_TOKEN, http=self._zalo_http),
        )
        self.phones: dict[int, Phone | ZaloPhone] = {}
        self.members: list[Member] = []
        self.telegram_ids: dict[int, int] = {}
        self.current: Phone | ZaloPhone | None = None
        self.current_name = ""
        self.buttons: list[tuple[str, str, int]] = []

    def say(self, text: str = "") -> None:
        """Print a line of the console's own."""
        print(text, file=self.out, flush=True)

    async def start(self) -> None:
        """Start the bot, make sure there are members to talk as, and pick the first."""
        await start_application(self.application)
        services_of(self.application).channels[ZALO] = self.zalo.channel
        await self._ensure_demo_members()
        if self.channel == ZALO:
            self.say("-- Zalo: các lựa chọn là các dòng đánh số; gõ số, tên lựa chọn hoặc một từ.")
        self.say(HELP)
        if self.members:
            # Start as someone who reports: that is what most users of the bot do.
            reporters = [m for m in self.members if m.role == Role.HAMLET_HEAD]
            self._switch((reporters or self.members)[0])

    async def stop(self) -> None:
        """Shut the bot down."""
        await stop_application(self.application)
        await self._zalo_http.aclose()

    async def _ensure_demo_members(self) -> None:
        services = services_of(self.application)
        async with transaction(services.sessions) as session:
            commune = await session.get(Commune, services.commune_id)
            assert commune is not None and commune.id is not None
            statement = select(Member).where(Member.commune_id == commune.id)
            members = list(await session.exec(statement))
            if not members:
                self.say("Cơ sở dữ liệu chưa có thành viên: thêm bốn thành viên mẫu.")
                for offset, (role, name, unit) in enumerate(_DEMO_MEMBERS, start=1):
                    issued = await create_member(
                        session, commune, role=role, name=name, unit_text=unit, now=services.now()
                    )
                    await redeem_invite(
                        session,
                        issued.code,
                        external_id=_DEMO_ID_BASE + offset,
                        chat_id=_DEMO_ID_BASE + offset,
                        now=services.now() + timedelta(seconds=1),
                    )
                members = list(await session.exec(statement))
            accounts = await accounts_of(session, [m.id or 0 for m in members])
            for member in members:
                # On Zalo too, under the same number: the console can show either channel.
                found = accounts[member.id or 0]
                telegram = next((a for a in found if a.channel == TELEGRAM), None)
                if telegram is not None and all(a.channel != ZALO for a in found):
                    await link_account(
                        session, member, ZALO, telegram.external_id, telegram.chat_id,
                        services.now(),
                    )  # fmt: skip
        self.telegram_ids = {
            member_id: int(account.external_id)
            for member_id, found in accounts.items()
            for account in found
            if account.channel == TELEGRAM
        }
        self.members = [m for m in members if m.id in self.telegram_ids]

    def _switch(self, member: Member | None) -> None:
        user_id = self.telegram_ids[member.id or 0] if member else STRANGER_ID
        assert user_id is not None
        name = member.name if member else "người lạ"
        if user_id not in self.phones:
            self.phones[user_id] = (
                ZaloPhone(self.zalo, self.zalo_api, str(user_id), name)
                if self.channel == ZALO
                else Phone(self.application, self.api, user_id, name)
            )
        self.current, self.current_name, self.buttons = self.phones[user_id], name, []
        self.say(f"-- đang nói với tư cách {name}")
        waiting = self.current.inbox()
        if waiting:
            self.say("-- tin nhắn đến trong lúc vắng mặt:")
            self._show(waiting)

    def _who(self) -> None:
        for member in self.members:
            self.say(f"  {member.name} ({texts.ROLE_LABELS[Role(member.role)]})")
        self.say("  stranger (người lạ, chưa là thành viên)")

    def _show(self, messages: list[BotMessage]) -> None:
        for message in messages:
            if message.method == "editMessageText":
                self.say("🤖 (sửa tin trước)")
            for line in _plain(message.text).split("\n"):
                self.say(f"🤖 {line}" if line else "🤖")
            if message.buttons:
                self.buttons = []
                for row in message.buttons:
                    cells = []
                    for label, data in row:
                        self.buttons.append((label, data, message.message_id))
                        cells.append(f"[{len(self.buttons)}] {label}")
                    self.say("    " + "   ".join(cells))
        if not messages:
            self.say("🤖 (không trả lời)")

    async def handle(self, line: str) -> bool:
        """Act on one typed line; return False to leave."""
        before = len(self.api.calls)
        try:
            return await self._handle(line)
        finally:
            self._save_files(before)

    def _save_files(self, before: int) -> None:
        """Keep the files the bot sent (a chart, a workbook, a report) where one can open
        them, since a terminal cannot show them.
        """
        for call in self.api.calls[before:]:
            for name, content in call.files.items():
                self.files_dir.mkdir(parents=True, exist_ok=True)
                target = self.files_dir / Path(name).name
                target.write_bytes(content)
                self.say(f"📎 Bot gửi tệp {target.name}, đã lưu tại {target}")

    async def _handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        command, _, argument = line.partition(" ")
        phone = self.current
        assert phone is not None
        if command == "/quit":
            return False
        if command == "/as":
            self._choose(argument)
        elif command == "/who":
            self._who()
        elif command == "/photo":
            self._show(await phone.send_photo())
        elif command == "/tick":
            await self._tick(argument)
        elif isinstance(phone, ZaloPhone):
            if command == "/sticker":
                self._show(await phone.send_sticker())
            elif command in ("/file", "/location"):
                self.say("-- bot Zalo chỉ nhận chữ, ảnh và nhãn dán")
            else:
                self._show(await phone.send(line))  # a number chooses an option by typing
        elif command == "/file":
            await self._send_file(phone, argument.strip())
        elif command == "/location":
            self._show(await phone.send_location(10.3759, 105.4185))
        elif command == "/sticker":
            self._show(await phone.send_sticker())
        elif line.isdigit() and 1 <= int(line) <= len(self.buttons):
            label, data, message_id = self.buttons[int(line) - 1]
            self.say(f"(tap: {label})")
            self._show(await phone.press(data, message_id))
        else:
            self._show(await phone.send(line))
        return True

    async def _send_file(self, phone: Phone, argument: str) -> None:
        """Send a file from this computer, as a member would attach it (a plan to import,
        a scanned minute as evidence).
        """
        if not argument:
            self.say("-- /file ĐƯỜNG-DẪN: gửi một tệp trên máy, ví dụ /file ke-hoach-2026.docx")
            return
        path, content = await asyncio.to_thread(_read_file, argument)
        if content is None:
            self.say(f"-- Không tìm thấy tệp «{path}». Kiểm tra lại đường dẫn.")
            return
        self._show(await phone.send_document(content, path.name))

    async def _tick(self, when: str) -> None:
        services = services_of(self.application)
        moment = services.now()
        if when:
            try:
                local_time = datetime.strptime(when.strip(), "%Y-%m-%d %H:%M")
            except ValueError:
                self.say("-- /tick cần giờ địa phương, ví dụ /tick 2026-12-24 08:05")
                return
            zone = ZoneInfo(services.settings.commune.timezone)
            moment = local_time.replace(tzinfo=zone).astimezone(UTC)
        before, zalo_before = len(self.api.calls), len(self.zalo_api.calls)
        result = await run_tick(services, moment)
        sent: list[tuple[object, object]] = [
            (c.params["chat_id"], c.params["text"])
            for c in self.api.calls[before:]
            if c.method == "sendMessage"
        ] + [
            (c.params["chat_id"], c.params["text"])
            for c in self.zalo_api.calls[zalo_before:]
            if c.method == "sendMessage"
        ]
        names = {str(self.telegram_ids[m.id or 0]): m.name for m in self.members}
        held = " (giờ nghỉ: giữ đến sáng)" if result.held else ""
        self.say(
            f"-- bộ nhắc việc: {result.due} đến hạn, {result.recorded} mới, "
            f"đã gửi {len(sent)}{held}"
        )
        me = self.current.user_id if self.current else None
        for chat_id, text in sent:
            chat = str(chat_id)
            if chat == str(me):
                continue  # shown below as the current member's own messages, with buttons
            self.say(f"-- gửi {names.get(chat, chat)}:")
            for line in _plain(str(text)).split("\n"):
                self.say(f"   📨 {line}")
        if self.current is not None:
            mine = self.current.inbox()
            if mine:
                self.say(f"-- gửi anh/chị ({self.current_name}):")
                self._show(mine)

    def _choose(self, name: str) -> None:
        wanted = fold(name)
        if wanted in ("stranger", "nguoi la"):
            self._switch(None)
            return
        for member in self.members:
            if wanted and wanted in fold(member.name):
                self._switch(member)
                return
        self.say(f"-- không có thành viên nào khớp «{name}»; gõ /who để xem danh sách")

    def prompt(self) -> str:
        """The input prompt: who you are typing as."""
        return f"[{self.current_name}] > "


async def run_console(
    settings: Settings,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    channel: str = TELEGRAM,
) -> None:
    """Run the console until /quit or the end of input, as a user of ``channel`` sees it."""
    console = Console(settings, out, channel)
    await console.start()
    try:
        while True:
            if stdin.isatty():
                print(console.prompt(), end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not stdin.isatty():
                console.say(f"{console.prompt()}{line.rstrip()}")
            if not await console.handle(line):
                break
    finally:
        await console.stop()
