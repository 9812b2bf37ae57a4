"""A property-based fuzz of the whole bot: the real Application, fed mixed updates.

Members and strangers send commands with random arguments, typed text (random unicode,
Vietnamese with and without diacritics, NFD, zero-width characters, task codes, texts of up
to 5,000 characters), button taps (the buttons on screen, and forged ``rp:``/``rv:``/``im:``
data), photos, documents, locations, stickers and edits; updates also come from group chats
and some are delivered twice. Whatever comes, after every update:

- no exception escapes ``process_update`` and the error handler never runs;
- every text the bot sends is non-empty, at most 4,096 characters, and valid Telegram
  HTML; captions are at most 1,024; button-tap answers at most 200; callback data at most
  64 bytes;
- a stranger's chat and a group chat never receive plan content (task codes, unit names).

The normal suite sends about 2,000 updates; ``make fuzz`` sends 10,000
(``HAMLET_FUZZ_UPDATES``).
"""

import html
import itertools
import math
import os
import re
import time
import traceback
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import ContextTypes

import bot.app
import handlers.router
from bot.offline import OFFLINE_BOT_USERNAME, ApiCall
from bot.pacer import Pacer
from bot.phone import BotMessage, Phone
from bot.ratelimit import ReplyFirstRateLimiter
from bot.services import services_of
from bot.settings import Settings
from handlers.commands import BY_NAME
from handlers.turn import Turn
from models.plan_data import read_plan_file
from models.tables import Role
from tests.helpers import World

pytestmark = pytest.mark.e2e

TOTAL_UPDATES = int(os.environ.get("HAMLET_FUZZ_UPDATES", "2000"))
UPDATES_PER_EXAMPLE = 20
EXAMPLES = math.ceil(TOTAL_UPDATES / UPDATES_PER_EXAMPLE)


def _bot_commands() -> list[str]:
    """Every command the bot answers (names and aliases), read from its own table."""
    return sorted(BY_NAME)


COMMANDS = _bot_commands()
HEALTH = "Trạm Y tế xã"
HAMLET = "Ấp 1"

# What a stranger or a group must never be shown: a task code, a unit or hamlet name. (The
# note strangers get sends them to the commune's office, "Văn phòng UBND xã": that is public.)
PLAN_CONTENT = re.compile(r"\b\d\.\d\b|Ấp \d|Trạm Y tế", re.IGNORECASE)

TG_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode, or None if it would take it."""
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            tag = _TAG.match(text, i)
            if tag is None or tag.group(2).lower() not in TG_TAGS:
                return f"unescaped '<' at {i}: {text[i : i + 30]!r}"
            name = tag.group(2).lower()
            if tag.group(1):
                if not stack or stack[-1] != name:
                    return f"closing </{name}> does not match {stack}"
                stack.pop()
            else:
                stack.append(name)
            i = tag.end()
        elif char == "&":
            entity = _ENTITY.match(text, i)
            if entity is None:
                return f"unescaped '&' at {i}: {text[i : i + 30]!r}"
            i = entity.end()
        elif char == ">":
            return f"unescaped '>' at {i}: {text[max(0, i - 20) : i + 10]!r}"
        else:
            i += 1
    return f"unclosed tags {stack}" if stack else None


def visible(text: str) -> str:
    """The text as shown, tags removed and entities decoded."""
    return html.unescape(_TAG.sub("", text))


# --- Inputs ---------------------------------------------------------------------------------

WORDS = [
    "bao cao", "báo cáo", "baocao", "tong hop", "tổng hợp", "nhiem vu", "huy", "hủy", "cancel",
    "luu", "lưu", "Lưu", "bo qua", "bỏ qua", "xong", "k", "không", "có", "ok",
    "dang thuc hien", "đang thực hiện", "hoan thanh", "hoàn thành", "gap kho khan",
    "gặp khó khăn", "chua bat dau", "chưa bắt đầu", "1", "2", "3", "4", "0", "25", "50", "75",
    "100", "101", "-5", "75.5", "½", "nửa", "6.1", "6.3", "1.1", "2.1", "8.4", "9.9", "0.0",
    "Ấp 1", "ấp 3", "ap 9", "Ấp 10", "Trạm Y tế xã", "tram y te", "văn phòng", "q2", "quý II",
    "Q4", "2026", "2026Q4", "2023", "excel", "word", "pctn", "csv", "trưởng ấp", "cán bộ",
    "lãnh đạo", "Nguyễn Văn An", "Lê Thị Hoa", "giúp", "help", "tro giup", "7", "30", "365",
    "Đã khám cho 80 trẻ", "Thiếu thuốc", "<b>", "</i>", "&amp;", "&", "<", ">", "\"'",
    "%s", "{}", "{name}", "\\", "NULL", "'; DROP TABLE member; --", "🙂", "👍🏽", "🇻🇳",
]  # fmt: skip
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"]


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("đ", "d").replace("Đ", "D")


@st.composite
def mangled(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A word as people (and their phones) type it: NFD, no diacritics, odd case, spaces,
    zero-width characters."""
    text = draw(base)
    how = draw(st.sampled_from(["as is", "nfd", "plain", "upper", "spaced", "zero width"]))
    if how == "nfd":
        return unicodedata.normalize("NFD", text)
    if how == "plain":
        return _strip_marks(text)
    if how == "upper":
        return text.upper()
    if how == "spaced":
        return f"  {text} \n"
    if how == "zero width" and text:
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(ZERO_WIDTH)) + text[at:]
    return text


@st.composite
def long_text(draw: st.DrawFn) -> str:
    """A long text (up to 5,000 characters) made cheaply by repetition."""
    unit = draw(st.sampled_from(["a", "á ", "Ấp 1 ", "6.3 ", "<b>", "&", "🙂", "x\n", "ệ"]))
    length = draw(st.sampled_from([999, 1000, 1001, 1500, 2000, 2001, 4096, 4097, 5000]))
    return (unit * length)[:length]


TASK_CODES = [task.code for task in read_plan_file().tasks]
words = mangled(st.sampled_from(WORDS))
typed = st.one_of(
    words,
    words.flatmap(lambda w: mangled(st.sampled_from(WORDS)).map(lambda v: f"{w} {v}")),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.from_regex(r"\d{1,3}(\.\d{1,2})?", fullmatch=True),
    long_text(),
)
arguments = st.lists(st.one_of(words, st.text(max_size=12)), max_size=4).map(" ".join)
invite_args = st.tuples(words, words, words).map(lambda parts: "; ".join(parts))
one_line_report = st.tuples(
    st.sampled_from(["/baocao", "/report", "/baothay Ấp 1", "/baothay tram y te"]),
    st.one_of(st.sampled_from(TASK_CODES), words),
    st.one_of(st.integers(-1, 101).map(str), words),
    st.one_of(st.just(""), words, typed),
).map(" ".join)
# What a person answers at a step of a flow: a word, a number, a task code, or a tap.
answer = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 50)),
    st.tuples(st.just("tap"), st.integers(0, 50)),
    st.tuples(st.just("say"), words),
    st.tuples(st.just("say"), st.sampled_from(TASK_CODES)),
    st.tuples(st.just("say"), typed),
)

ids = st.one_of(
    st.integers(-5, 200), st.integers(min_value=2**31, max_value=2**63), st.just("")
).map(str)
forged_data = st.one_of(
    st.tuples(
        st.sampled_from(["task", "page", "status", "pct", "skip", "save", "cancel", "start"]),
        st.one_of(ids, st.sampled_from(["done", "blocked", "in_progress", "x", ":", "1:2"])),
    ).map(lambda p: f"rp:{p[0]}:{p[1]}"),
    st.tuples(st.sampled_from(["ok", "back", "next", "x"]), ids).map(
        lambda p: f"rv:{p[0]}:{p[1]}"
    ),
    st.sampled_from(["im:ok", "im:no", "im:", "im:ok:1", "rp:", "rv:", "rp:save", "rp:skip"]),
    st.text(max_size=40),
)
file_names = st.one_of(
    st.tuples(
        st.text(max_size=20),
        st.sampled_from([".docx", ".xlsx", ".pdf", ".jpg", ".DOCX", ".xls", ".doc", ""]),
    ).map("".join),
    st.sampled_from(["ke-hoach.docx", "ke hoach 2026.xlsx", ".xlsx", "a/b/../c.docx"]),
)
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18
file_bytes = st.one_of(
    st.binary(max_size=300), st.just(EMPTY_ZIP), st.binary(max_size=200).map(b"PK\x03\x04".__add__)
)

MEMBERS, STRANGERS = 4, 2
actor = st.integers(0, MEMBERS + STRANGERS - 1)  # 0..3 members, 4..5 strangers
minutes = st.sampled_from([0, 0, 0, 0, 0, 1, 2, 30, 61, 60 * 25])

action = st.one_of(
    st.tuples(st.just("text"), actor, typed),
    st.tuples(
        st.just("command"),
        actor,
        st.one_of(st.sampled_from(COMMANDS), st.sampled_from(COMMANDS).map(str.upper)),
        st.one_of(arguments, invite_args, st.just("")),
        st.sampled_from(["", "", "", f"@{OFFLINE_BOT_USERNAME}", "@OtherBot"]),
    ),
    st.tuples(st.just("unknown command"), actor, st.text(min_size=1, max_size=30)),
    st.tuples(st.just("text"), actor, one_line_report),
    # A person going through a flow: a command, then several answers in a row.
    st.tuples(
        st.just("walk"),
        actor,
        st.sampled_from(["/baocao", "/duyet", "/baothay Ấp 1", "/tamdung", "bao cao", "/xuat"]),
        st.integers(2, 8),
    ),
    # A tap on a button on screen, most often on the latest message: deep into the flows.
    st.tuples(st.just("tap"), actor, st.integers(0, 50), st.booleans()),
    st.tuples(st.just("tap"), actor, st.integers(0, 50), st.just(True)),
    st.tuples(st.just("text"), actor, words),
    st.tuples(st.just("press"), actor, forged_data, st.booleans()),
    st.tuples(st.just("photo"), actor, st.binary(max_size=64), st.one_of(st.just(""), typed)),
    st.tuples(
        st.just("document"),
        actor,
        file_bytes,
        file_names,
        st.one_of(st.none(), st.sampled_from([0, 20 * 1024 * 1024, 50 * 1024 * 1024])),
    ),
    st.tuples(
        st.just("location"),
        actor,
        st.floats(-90, 90, allow_nan=False),
        st.floats(-180, 180, allow_nan=False),
    ),
    st.tuples(st.just("sticker"), actor),
    st.tuples(st.just("edit"), actor, typed),
    st.tuples(
        st.just("group"),
        actor,
        st.sampled_from([-100, -200, -1001234567890]),
        st.sampled_from(["group", "supergroup"]),
        st.one_of(typed, st.sampled_from(COMMANDS).map("/{}".format)),
        st.booleans(),
    ),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
)


# --- The world under fuzz -------------------------------------------------------------------

_update_ids = itertools.count(3_000_000_000)
# What the bot says in a chat: a new message or an edited one.
_SAYS = {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "editMessageText"}


class FuzzPhone(Phone):
    """A phone whose updates go through the fuzz runner (so they are checked and can be
    delivered again), and which can edit a message and show its buttons."""

    runner: "Runner"

    async def _deliver(self, payload: dict[str, Any]) -> list[BotMessage]:
        self.inbox()
        await self.runner.process({"update_id": next(_update_ids), **payload})
        return self.inbox()

    def buttons_on_screen(self, latest: bool) -> list[tuple[int, str]]:
        """The buttons of the latest message that has any, or of every message shown."""
        with_buttons = [shown for shown in self._shown.values() if shown.buttons]
        chosen = with_buttons[-1:] if latest else with_buttons
        return [
            (shown.message_id, data)
            for shown in chosen
            for row in shown.buttons
            for _, data in row
        ]

    async def edit(self, text: str) -> None:
        now = int(time.time())
        message = {**self._message(text=text), "date": now - 60, "edit_date": now}
        await self._deliver({"edited_message": message})


@dataclass
class Runner:
    """Feeds updates to the Application and checks every call the bot makes."""

    world: World
    phones: list[FuzzPhone] = field(default_factory=list)
    stranger_chats: set[int] = field(default_factory=set)
    said_by_strangers: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tuple[dict[str, Any], BaseException | None]] = field(default_factory=list)
    updates: int = 0
    current: dict[str, Any] = field(default_factory=dict)

    async def process(self, payload: dict[str, Any]) -> None:
        self.updates += 1
        self.current = payload
        self.history = [*self.history[-49:], payload]
        before = len(self.world.api.calls)
        update = Update.de_json(payload, self.world.app.bot)
        try:
            await self.world.app.process_update(update)
            # What the update started after its commit (a fan-out, a notice) belongs to it.
            await services_of(self.world.app).settle()
        except Exception as error:
            trace = "".join(traceback.format_exception(error))
            pytest.fail(f"an exception escaped process_update for {payload!r}:\n{trace}")
        if self.errors:
            failed, raised = self.errors[0]
            trace = "".join(traceback.format_exception(raised)) if raised else "(no exception)"
            pytest.fail(f"the error handler ran for {failed!r}:\n{trace}")
        for call in self.world.api.calls[before:]:
            self.check(call, payload)

    def check(self, call: ApiCall, payload: dict[str, Any]) -> None:
        params = call.params
        where = f"{call.method} in answer to {payload!r}"
        text = params.get("text")
        if call.method in ("sendMessage", "editMessageText"):
            assert isinstance(text, str) and visible(text).strip(), f"empty text: {where}"
            assert len(text) <= 4096, f"{len(text)} characters: {where}"
        caption = params.get("caption")
        if caption is not None:
            assert len(str(caption)) <= 1024, f"caption of {len(str(caption))}: {where}"
        if call.method == "answerCallbackQuery" and text is not None:
            assert len(str(text)) <= 200, f"tap answer of {len(str(text))}: {where}"
        if params.get("parse_mode") == "HTML":
            for shown in (text, caption):
                problem = html_problem(str(shown)) if shown is not None else None
                assert problem is None, f"bad HTML ({problem}) in {shown!r}: {where}"
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    size = len(str(data).encode()) if data is not None else 0
                    assert size <= 64, f"callback data of {size} bytes ({data!r}): {where}"
        chat = params.get("chat_id")
        if chat is not None and int(str(chat)) in self.stranger_chats:
            for shown in (text, caption):
                self.check_no_leak(str(shown or ""), where)

    def check_no_leak(self, text: str, where: str) -> None:
        for match in PLAN_CONTENT.finditer(visible(text)):
            echoed = any(match.group(0) in said for said in self.said_by_strangers)
            assert echoed, f"plan content {match.group(0)!r} shown to a stranger: {where}"

    async def deliver_again(self, payload: dict[str, Any]) -> None:
        """Process an update a second time (Telegram does, after a crash or a failed
        webhook). A member's update in a private chat is answered once only."""
        before = len(self.world.api.calls)
        await self.process(payload)
        if not self.is_members_private_update(payload):
            return
        again = [c for c in self.world.api.calls[before:] if c.method in _SAYS]
        assert again == [], f"a duplicate of {payload!r} was answered again: {again}"

    def is_members_private_update(self, payload: dict[str, Any]) -> bool:
        """Whether a member sent it in their private chat (and it is not /start, which
        needs no membership and is not deduplicated)."""
        event = payload.get("message") or payload.get("edited_message")
        event = event or payload.get("callback_query", {})
        chat = (event.get("message") or event).get("chat", {})
        sender = event.get("from", {}).get("id")
        members = {phone.user_id for phone in self.phones} - self.stranger_chats
        text = str(event.get("text") or "").lower()
        return (
            chat.get("type") == "private" and sender in members and not text.startswith("/start")
        )

    # --- actions ----------------------------------------------------------------------------

    async def tap(self, phone: FuzzPhone, index: int, latest: bool) -> None:
        """Tap a button on screen (or a save that is not there, if there is none)."""
        on_screen = phone.buttons_on_screen(latest=latest)
        if on_screen:
            message_id, data = on_screen[index % len(on_screen)]
            await phone.press(data, message_id)
        else:
            await phone.press("rp:save")

    async def act(self, step: tuple[Any, ...], data: st.DataObject) -> None:
        kind, *args = step
        if kind == "duplicate":
            if self.history:
                await self.deliver_again(self.history[args[0] % len(self.history)])
            return
        phone = self.phones[args[0]]
        if kind == "group":
            _, chat_id, chat_type, text, tap = args
            self.stranger_chats.add(chat_id)
            self.said_by_strangers.append(text)
            await self.process(group_update(phone, chat_id, chat_type, text, tap))
            return
        if phone.user_id in self.stranger_chats:
            self.said_by_strangers.extend(str(a) for a in args[1:] if isinstance(a, str))
        if kind == "text":
            await phone.send(args[1])
        elif kind == "command":
            _, name, argument, suffix = args
            await phone.send(f"/{name}{suffix} {argument}".rstrip())
        elif kind == "unknown command":
            await phone.send("/" + args[1])
        elif kind == "tap":
            await self.tap(phone, args[1], latest=args[2])
        elif kind == "walk":
            await phone.send(args[1])
            for _ in range(args[2]):
                how, what = data.draw(answer)
                if how == "tap":
                    await self.tap(phone, what, latest=True)
                else:
                    await phone.send(what)
        elif kind == "press":
            await phone.press(args[1], None if args[2] else 999_999)
        elif kind == "photo":
            await phone.send_photo(args[1], args[2])
        elif kind == "document":
            await phone.send_document(args[1], args[2], args[3])
        elif kind == "location":
            await phone.send_location(args[1], args[2])
        elif kind == "sticker":
            await phone.send_sticker()
        elif kind == "edit":
            await phone.edit(args[1])
        else:  # pragma: no cover
            raise AssertionError(kind)


def group_update(
    phone: FuzzPhone, chat_id: int, chat_type: str, text: str, tap: bool
) -> dict[str, Any]:
    """A message (or a button tap) in a group chat, from ``phone``'s person."""
    chat = {"id": chat_id, "type": chat_type, "title": "Nhóm ấp"}
    message: dict[str, Any] = {
        "message_id": phone.api.next_message_id(),
        "date": int(time.time()),
        "chat": chat,
        "from": phone._user(),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        ]
    update: dict[str, Any] = {"update_id": next(_update_ids)}
    if tap:
        update["callback_query"] = {
            "id": str(next(_update_ids)),
            "from": phone._user(),
            "chat_instance": str(chat_id),
            "message": {**message, "from": {"id": 1, "is_bot": True, "first_name": "Bot"}},
            "data": "rp:save",
        }
    else:
        update["message"] = message
    return update


# --- The test -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application's rate limiter, retries and all, without its pacing (29 messages a
    second): 2,000 updates would otherwise take minutes of waiting, and the fuzz is about
    what the bot says, not how fast."""
    build = bot.app._rate_limiter

    def unpaced(settings: Settings) -> ReplyFirstRateLimiter:
        limiter = build(settings)
        limiter.pacer = Pacer(rate=1e9, cap=10**9)
        return limiter

    monkeypatch.setattr(bot.app, "_rate_limiter", unpaced)


@pytest.fixture
async def runner(world: World, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runner]:
    runner = Runner(world)

    async def record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        runner.errors.append((runner.current, context.error))

    # The conversation core reports its own errors (with an id, to the person); every one
    # of them is a failure of the fuzz, as is anything that reaches PTB's error handler.
    reported = handlers.router.report_error

    async def record_reported(turn: Turn, error: BaseException) -> None:
        runner.errors.append((runner.current, error))
        await reported(turn, error)

    monkeypatch.setattr(handlers.router, "report_error", record_reported)
    world.app.add_error_handler(record_error)
    members = [
        await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", HAMLET),
        await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã"),
        await world.member(Role.CHAIRMAN, "Nguyễn Văn An"),
        await world.member(Role.OFFICER, "Lê Thị Hoa", HEALTH),
    ]
    strangers = [world.phone("Người lạ"), world.phone("Kẻ tò mò")]
    for phone in [*members, *strangers]:
        fuzz_phone = FuzzPhone(world.app, world.api, phone.user_id, phone.first_name)
        fuzz_phone.runner = runner
        runner.phones.append(fuzz_phone)
    runner.stranger_chats.update(phone.user_id for phone in strangers)
    yield runner
    print(f"\nfuzz: {runner.updates} updates, {len(world.api.calls)} Bot API calls")


def test_the_command_list_is_the_bots() -> None:
    assert {"start", "baocao", "tonghop", "xuat", "moi", "duyet", "tamdung"} <= set(COMMANDS)


@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_no_update_breaks_the_bot_or_leaks_the_plan(
    runner: Runner, data: st.DataObject
) -> None:
    until = runner.updates + UPDATES_PER_EXAMPLE
    while runner.updates < until:
        runner.world.clock.advance(minutes=data.draw(minutes))
        await runner.act(data.draw(action), data)


def test_html_problem_finds_what_telegram_refuses() -> None:
    assert html_problem("<b>Ấp 1</b> &amp; &lt;x&gt; &#39;") is None
    assert html_problem("a < b") is not None
    assert html_problem("R&D") is not None
    assert html_problem("<b>x") is not None
    assert html_problem("<b>x</i>") is not None
    assert html_problem("<script>") is not None


def test_long_and_mangled_inputs_are_what_they_say() -> None:
    assert _strip_marks("Trạm Y tế xã đã") == "Tram Y te xa da"


def test_the_checks_catch_what_they_are_for(world: World) -> None:
    runner = Runner(world)
    stranger = 123
    runner.stranger_chats.add(stranger)
    update = {"update_id": 1}

    def fails(method: str, **params: Any) -> bool:
        try:
            runner.check(ApiCall(method, {"parse_mode": "HTML", **params}), update)
        except AssertionError:
            return True
        return False

    assert not fails("sendMessage", chat_id=stranger, text="Xin chào! Liên hệ Văn phòng UBND xã")
    assert fails("sendMessage", chat_id=stranger, text="Nhiệm vụ 6.3 của Ấp 1")
    assert fails("sendMessage", chat_id=stranger, text="Trạm Y tế xã")
    assert not fails("sendMessage", chat_id=1, text="Nhiệm vụ 6.3 của Ấp 1")
    assert fails("sendMessage", chat_id=1, text="x" * 4097)
    assert fails("sendMessage", chat_id=1, text=" <b></b> ")
    assert fails("sendMessage", chat_id=1, text="a < b")
    assert fails("sendPhoto", chat_id=1, caption="x" * 1025)
    assert fails("answerCallbackQuery", text="x" * 201)
    button = {"text": "x", "callback_data": "rp:" + "é" * 31}  # 65 bytes
    assert fails("sendMessage", chat_id=1, text="x", reply_markup={"inline_keyboard": [[button]]})
    runner.said_by_strangers.append("/start 6.3")
    assert not fails("sendMessage", chat_id=stranger, text="Mã 6.3 không đúng")
