"""Shared test helpers: a settable clock, the bot with its offline Bot API, members."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application

from bot.offline import OfflineBotAPI
from bot.phone import Phone
from bot.services import services_of
from bot.zalo.client import ZaloClient
from bot.zalo.offline import OFFLINE_TOKEN as ZALO_TOKEN
from bot.zalo.offline import OfflineZaloAPI
from bot.zalo.phone import ZaloPhone
from bot.zalo.runner import ZaloRunner
from bot.zalo.settings import ZaloSettings
from models.accounts import TELEGRAM, channel_account, member_by_telegram_id
from models.db import transaction
from models.members import create_member
from models.plan_data import read_plan_file
from models.plan_loader import ensure_commune, load_plan
from models.tables import Commune, Member, Report, ReportDraft, Role, Task

# 10:00 in An Giang on 26/11/2026: the fourth quarter of 2026.
DEFAULT_NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = DEFAULT_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    """The real Application, the offline Bot API it talks to, and the clock it reads."""

    app: Application
    api: OfflineBotAPI
    clock: FakeClock
    _next_user: int = field(default=700_000_001)
    # Zalo beside Telegram, on the same Services (set up by the first Zalo phone).
    zalo_api: OfflineZaloAPI | None = None
    zalo_runner: ZaloRunner | None = None
    _zalo_http: httpx.AsyncClient | None = None
    # What the world closes at the end (clients a story opened).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def zalo(self) -> tuple[ZaloRunner, OfflineZaloAPI]:
        """The bot's Zalo channel, over the offline Zalo Bot API (started on first use)."""
        if self.zalo_runner is None or self.zalo_api is None:
            self.zalo_api = OfflineZaloAPI()
            self._zalo_http = httpx.AsyncClient(transport=self.zalo_api)
            client = ZaloClient(ZALO_TOKEN, http=self._zalo_http)
            self.zalo_runner = ZaloRunner(services_of(self.app), ZaloSettings(), client)
            services_of(self.app).channels["zalo"] = self.zalo_runner.channel
        return self.zalo_runner, self.zalo_api

    def zalo_phone(self, name: str = "Khách") -> ZaloPhone:
        """A new Zalo account, not yet known to the bot."""
        runner, api = self.zalo()
        self._next_user += 1
        return ZaloPhone(runner, api, f"zalo{self._next_user:x}", name)

    async def zalo_member(self, role: Role, name: str, unit: str | None = None) -> ZaloPhone:
        """A member who has sent their invite code on Zalo: the phone they use."""
        code = await self.invite(role, name, unit)
        phone = self.zalo_phone(name)
        said = await phone.send(code)
        assert "đã được đăng ký" in said[0].text, said
        return phone

    async def close(self) -> None:
        """Close what the world opened besides the Application."""
        if self._zalo_http is not None:
            await self._zalo_http.aclose()
        for close in self.closers:
            await close()

    async def add_commune(
        self, name: str, timezone: str = "Asia/Ho_Chi_Minh", hamlets: Sequence[str] = ("Ấp 1",)
    ) -> int:
        """A second (third, ...) commune in the same database, with the bundled plan for
        this year; its id.
        """
        async with transaction(services_of(self.app).sessions) as session:
            commune = await ensure_commune(session, name, timezone, hamlets)
            await load_plan(session, commune, read_plan_file(), year=self.clock().year)
            assert commune.id is not None
            return commune.id

    async def invite(
        self, role: Role, name: str, unit: str | None = None, commune_id: int | None = None
    ) -> str:
        """Create a member the way the office does (in the bot's default commune, or in
        ``commune_id``); return the invite code.
        """
        services = services_of(self.app)
        async with transaction(services.sessions) as session:
            commune = await session.get(Commune, commune_id or services.commune_id)
            assert commune is not None
            issued = await create_member(
                session, commune, role=role, name=name, unit_text=unit, now=self.clock()
            )
        return issued.code

    def phone(self, name: str = "Khách") -> Phone:
        """A new phone (a Telegram account not yet known to the bot)."""
        self._next_user += 1
        return Phone(self.app, self.api, self._next_user, name)

    async def member(
        self, role: Role, name: str, unit: str | None = None, commune_id: int | None = None
    ) -> Phone:
        """A member who has opened their invite link: the phone they use."""
        code = await self.invite(role, name, unit, commune_id)
        phone = self.phone(name)
        said = await phone.send(f"/start {code}")
        assert "đã được đăng ký" in said[0].text, said
        return phone


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment given in the commune's time (Asia/Ho_Chi_Minh), as UTC."""
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


async def draft_of(world: World, phone: Phone) -> ReportDraft | None:
    """The report in progress of the member using ``phone``."""
    async with transaction(services_of(world.app).sessions) as session:
        member = await member_by_telegram_id(session, phone.user_id)
        assert member is not None
        statement = select(ReportDraft).where(ReportDraft.member_id == member.id)
        return (await session.exec(statement)).first()


async def all_reports(world: World) -> list[Report]:
    """Every report row."""
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Report)))


async def task_id(world: World, code: str) -> int:
    """The id of the task with this code."""
    async with transaction(services_of(world.app).sessions) as session:
        task = (await session.exec(select(Task).where(Task.code == code))).one()
        assert task.id is not None
        return task.id


def callback_answers(world: World, since: int) -> list[str]:
    """The texts of the button-tap answers (toasts) the bot gave since call ``since``."""
    return [
        str(call.params.get("text") or "")
        for call in world.api.calls[since:]
        if call.method == "answerCallbackQuery"
    ]


async def telegram_id(session: AsyncSession, member: Member) -> int | None:
    """The Telegram account ``member`` is linked to, if any."""
    account = await channel_account(session, member, TELEGRAM)
    return int(account.external_id) if account is not None else None
