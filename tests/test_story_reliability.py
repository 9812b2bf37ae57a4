"""Stories of what goes wrong around the bot: replies that fail or hang after a save, a 429
that asks for an hour, group chats, updates delivered twice, strangers flooding, the
database going away, and an invite code used by a second account.
"""

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from telegram import Update

from bot import texts
from bot.offline import Fault
from bot.phone import Phone
from bot.services import services_of
from models.db import transaction
from models.tables import ChatAccount, Invite, Member, ProcessedUpdate, Role
from tests.helpers import World, all_reports, draft_of, telegram_id

pytestmark = pytest.mark.e2e


async def _at_confirm(officer: Phone) -> None:
    """Walk the guided report of task 6.2 up to the confirm card."""
    for step in ("/baocao 6.2", "2", "60", "Đã lắp 3 máy", "bỏ qua"):
        said = await officer.send(step)
    assert "Kiểm tra lại báo cáo" in said[-1].text, said


@pytest.mark.parametrize(
    "fault",
    [
        Fault.server_error("sendMessage", 500),
        Fault.server_error("sendMessage", 502),
        Fault.bad_json("sendMessage"),
        Fault.forbidden("sendMessage"),
        Fault.hang("sendMessage", 0.2),
    ],
    ids=["500", "502", "bad-json", "403", "hang"],
)
async def test_a_reply_that_fails_after_save_never_undoes_the_report(
    world: World, fault: Fault
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await _at_confirm(officer)
    world.api.faults.append(fault)
    await officer.send("lưu")
    reports = await all_reports(world)
    assert [(r.status, r.percent, r.note) for r in reports] == [
        ("in_progress", 60, "Đã lắp 3 máy")
    ]
    assert await draft_of(world, officer) is None
    # The next message is answered as usual.
    said = await officer.send("/nhiemvu")
    assert "6.2" in said[0].text


async def test_the_report_is_saved_before_a_slow_reply_comes_back(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await _at_confirm(officer)
    world.api.faults.append(Fault.slow("sendMessage", 1.0))
    calls_before = len(world.api.calls)
    saving = asyncio.create_task(officer.send("lưu"))
    # The "saved" message reaches the phone at once; its answer comes a second later.
    for _ in range(500):
        if any(c.method == "sendMessage" for c in world.api.calls[calls_before:]):
            break
        await asyncio.sleep(0.01)
    assert not saving.done()
    assert len(await all_reports(world)) == 1  # committed before the reply was even sent
    said = await saving
    assert "Đã lưu báo cáo nhiệm vụ <b>6.2</b>" in said[0].text


async def test_a_save_that_fails_never_says_saved_and_keeps_the_report_in_progress(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await _at_confirm(officer)

    async def database_gone(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT INTO report", {}, ConnectionError("connection refused"))

    monkeypatch.setattr("handlers.reporting.record_report", database_gone)
    said = await officer.send("lưu")
    assert [m.text for m in said] == [texts.SYSTEM_BUSY]
    assert await all_reports(world) == []
    monkeypatch.undo()
    draft = await draft_of(world, officer)
    assert draft is not None and draft.step == "confirm"
    said = await officer.send("lưu")
    assert "Đã lưu" in said[0].text


async def test_a_database_outage_says_busy_not_error(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2")
    services = services_of(world.app)
    working = services.sessions

    def unreachable() -> Any:
        raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))

    services.sessions = unreachable  # type: ignore[assignment]
    try:
        said = await officer.send("2")
    finally:
        services.sessions = working
    assert [m.text for m in said] == [texts.SYSTEM_BUSY]
    assert "mã lỗi" not in said[0].text
    # Back up: the report in progress is where it was.
    said = await officer.send("2")
    assert "bao nhiêu phần trăm" in said[0].text


async def test_a_huge_retry_after_for_one_member_does_not_stall_the_others(
    world: World,
) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    world.api.faults.append(Fault.rate_limited("sendMessage", 3600, chat_id=head.user_id))
    started = time.monotonic()
    said_to_head = await asyncio.wait_for(head.send("/help"), timeout=10)
    said_to_officer = await asyncio.wait_for(officer.send("/help"), timeout=10)
    assert time.monotonic() - started < 10
    assert said_to_head == []  # given up and logged, not waited on for an hour
    assert "/baocao" in said_to_officer[0].text


async def test_a_short_retry_after_on_a_reply_is_waited_out(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    world.api.faults.append(Fault.rate_limited("sendMessage", 1))
    said = await officer.send("/help")
    assert "/baocao" in said[0].text


# --- Group chats ----------------------------------------------------------------------------

GROUP_ID = -100_200_300


def _group_message(world: World, phone: Phone, text: str) -> Update:
    message: dict[str, Any] = {
        "message_id": world.api.next_message_id(),
        "date": int(time.time()),
        "chat": {"id": GROUP_ID, "type": "supergroup", "title": "Ban chỉ đạo PAPI xã"},
        "from": {"id": phone.user_id, "is_bot": False, "first_name": phone.first_name},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return Update.de_json(
        {"update_id": world.api.next_message_id() + 10**9, "message": message},
        world.app.bot,
    )


async def test_in_a_group_the_bot_only_says_to_write_privately(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 3")
    code = await world.invite(Role.HAMLET_HEAD, "Lê Văn Sáu", "Ấp 6")
    newcomer = world.phone("Sáu")
    calls_before = len(world.api.calls)
    for phone, text in [
        (office, "/tonghop"),
        (office, "/xuat excel"),
        (office, "/thanhvien"),
        (office, "/moi trưởng ấp; Kẻ Lạ; Ấp 2"),
        (head, "/baocao 6.3 75 đã làm"),
        (head, "bao cao"),
        (newcomer, f"/start {code}"),
    ]:
        await world.app.process_update(_group_message(world, phone, text))

    to_group = [c for c in world.api.calls[calls_before:] if c.params.get("chat_id")]
    assert [c.method for c in to_group] == ["sendMessage"]  # one note, nothing else
    assert to_group[0].params["text"] == texts.GROUP_NOT_SUPPORTED
    assert int(to_group[0].params["chat_id"]) == GROUP_ID
    assert await all_reports(world) == []
    async with transaction(services_of(world.app).sessions) as session:
        members = list(await session.exec(select(Member)))
        accounts = list(await session.exec(select(ChatAccount)))
        sau = next(m for m in members if m.name == "Lê Văn Sáu")
        assert await telegram_id(session, sau) is None
    assert all(int(a.chat_id) > 0 for a in accounts)
    assert not any(m.name == "Kẻ Lạ" for m in members)
    # The same code still works where it belongs: in a private chat.
    said = await newcomer.send(f"/start {code}")
    assert "đã được đăng ký" in said[0].text


# --- The same update twice ------------------------------------------------------------------


async def test_an_update_delivered_twice_is_handled_once(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    report = _private_update(world, officer, "/baocao 6.2 60 đã lắp 3 máy", update_id=42)
    await world.app.process_update(report)
    await world.app.process_update(report)
    assert [r.version for r in await all_reports(world)] == [1]

    invite = _private_update(world, office, "/moi trưởng ấp; Lê Văn Sáu; Ấp 6", update_id=43)
    await world.app.process_update(invite)
    await world.app.process_update(invite)
    async with transaction(services_of(world.app).sessions) as session:
        invites = list(await session.exec(select(Invite)))
        marks = list(await session.exec(select(ProcessedUpdate)))
    sau = [i for i in invites if i.revoked_at is None and i.used_at is None]
    assert len(sau) == 1
    assert {m.update_key for m in marks} >= {"42", "43"}


def _private_update(world: World, phone: Phone, text: str, update_id: int) -> Update:
    message: dict[str, Any] = {
        "message_id": world.api.next_message_id(),
        "date": int(time.time()),
        "chat": {"id": phone.user_id, "type": "private"},
        "from": {"id": phone.user_id, "is_bot": False, "first_name": phone.first_name},
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return Update.de_json({"update_id": update_id, "message": message}, world.app.bot)


# --- Notes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\u200b\u200b", " \u200d \ufeff ", "\u2060"])
async def test_a_blocked_report_needs_a_real_note_whichever_way_it_is_typed(
    world: World, blank: str
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2")
    await officer.send("4")  # Gặp khó khăn
    said = await officer.send("30")
    assert "khó khăn" in said[0].text.lower()
    said = await officer.send(blank)
    assert said[0].text == texts.NOTE_REQUIRED
    draft = await draft_of(world, officer)
    assert draft is not None and draft.step == "note"
    await officer.send("/huy")
    said = await officer.send(f"/baocao 6.2 kho khan {blank}")
    assert said[0].text == texts.NOTE_REQUIRED
    assert await all_reports(world) == []


# --- Strangers ------------------------------------------------------------------------------


async def test_a_stranger_flooding_gets_one_answer_a_minute(world: World) -> None:
    stranger = world.phone("Người lạ")
    answered = 0
    for n in range(30):
        said = await stranger.send(f"/baocao {n}")
        answered += len(said)
    assert answered == 1
    assert services_of(world.app).strangers.refused == 29
    world.clock.advance(seconds=61)
    said = await stranger.send("/help")
    assert [m.text for m in said] == [texts.UNKNOWN_USER]


async def test_a_stranger_guessing_codes_gets_an_answer_every_ten_seconds(world: World) -> None:
    stranger = world.phone("Người lạ")
    answered = 0
    for n in range(60):  # a minute of guessing, a guess a second
        answered += len(await stranger.send(f"/start guess{n:03d}"))
        world.clock.advance(seconds=1)
    assert answered == 6


# --- A second account with a member's new code ----------------------------------------------


async def test_a_new_code_used_by_another_account_waits_for_the_office(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    old_phone = await world.member(Role.HAMLET_HEAD, "Lê Văn Sáu", "Ấp 6")
    said = await office.send("/moi trưởng ấp; Lê Văn Sáu; Ấp 6")
    code = said[0].text.rsplit("start=", 1)[1].split()[0]

    new_phone = world.phone("Sáu (máy mới)")
    said = await new_phone.send(f"/start {code}")
    assert "Văn phòng UBND xã sẽ xác nhận" in said[0].text
    warned = old_phone.inbox()
    assert "vừa dùng mã mời mới của Lê Văn Sáu" in warned[0].text
    asked = office.inbox()
    assert "Chuyển sang tài khoản mới?" in asked[0].text
    # Nothing moved yet: the old phone still reports, the new one is nobody.
    assert "Chọn nhiệm vụ" in (await old_phone.send("/baocao"))[0].text
    await old_phone.send("/huy")
    world.clock.advance(seconds=61)
    assert (await new_phone.send("/nhiemvu"))[0].text == texts.UNKNOWN_USER

    said = await office.tap("✅ Đồng ý chuyển")
    assert "Đã chuyển Lê Văn Sáu sang tài khoản mới" in said[-1].text
    assert "Văn phòng UBND xã đã xác nhận" in new_phone.inbox()[0].text
    assert "đã được chuyển sang điện thoại mới" in old_phone.inbox()[0].text
    assert "Chọn nhiệm vụ" in (await new_phone.send("/baocao"))[0].text
    world.clock.advance(seconds=61)
    assert (await old_phone.send("/baocao"))[0].text == texts.UNKNOWN_USER


async def test_the_office_refuses_a_takeover_by_typing(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    holder = await world.member(Role.HAMLET_HEAD, "Lê Văn Sáu", "Ấp 6")
    said = await office.send("/moi trưởng ấp; Lê Văn Sáu; Ấp 6")
    code = said[0].text.rsplit("start=", 1)[1].split()[0]
    intruder = world.phone("Kẻ mạo danh")
    await intruder.send(f"/start {code}")
    question = office.inbox()[0].text
    number = question.split("/tuchoi ", 1)[1].split()[0]
    said = await office.send(f"/tuchoi {number}")
    assert "Đã từ chối" in said[0].text
    assert "không xác nhận" in intruder.inbox()[0].text
    assert "Chọn nhiệm vụ" in (await holder.send("/baocao"))[0].text
    said = await intruder.send(f"/start {code}")
    assert "đã được dùng rồi" in said[0].text
    said = await office.send(f"/xacnhan {number}")
    assert said[0].text == texts.RELINK_GONE


# --- Messages the bot sends on its own -------------------------------------------------------


async def test_a_review_notice_is_an_outbox_row_that_survives_a_stop_before_it_went(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.runner import run_tick

    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    await officer.send("/baocao 6.1 60 đã khám cho 80 trẻ")
    await office.send("/duyet")
    await office.send("2")

    async def stopped_before_sending(*args: Any) -> None:
        return None  # the process went down right after the commit

    monkeypatch.setattr("handlers.notices.deliver_now", stopped_before_sending)
    said = await office.send("Thiếu danh sách trẻ đã khám")
    assert "Đã trả lại báo cáo 6.1" in said[0].text
    assert officer.inbox() == []
    monkeypatch.undo()

    await run_tick(services_of(world.app))  # the next tick, after a restart
    [notice] = officer.inbox()
    assert "Thiếu danh sách trẻ đã khám" in notice.text
    said = await officer.tap("📝 Báo cáo lại 6.1")
    assert "Tình trạng hiện nay" in said[0].text
    await run_tick(services_of(world.app))
    assert officer.inbox() == []  # once


async def test_a_reminder_fan_out_does_not_hold_another_members_reply(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    heads = [await world.member(Role.HAMLET_HEAD, f"Trưởng ấp {n}", f"Ấp {n}") for n in (1, 2, 3)]
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    for head in heads:  # each reminder takes a second to go
        world.api.faults.append(Fault.slow("sendMessage", 1.0, chat_id=head.user_id))
    services = services_of(world.app)
    started = time.monotonic()
    await world.app.process_update(_private_update(world, office, "/nhacnho", update_id=77))
    await world.app.process_update(_private_update(world, officer, "/help", update_id=78))
    answered = time.monotonic() - started
    help_reply = [c for c in world.api.sent(officer.user_id) if "/baocao" in str(c.params)]
    assert help_reply and answered < 0.9, answered  # not after the fan-out
    assert services.background  # the fan-out is still going
    await services.settle()
    for head in heads:
        assert any("nhắc" in m.text.lower() for m in head.inbox())
    said = office.inbox()
    assert any("Đã gửi nhắc nhở tới" in m.text for m in said), said


async def test_the_replies_of_one_update_share_one_short_wait_on_429s(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    world.api.faults.append(
        Fault.rate_limited("sendMessage", 3, count=None, chat_id=chairman.user_id)
    )
    started = time.monotonic()
    said = await chairman.send("/tonghop")  # a chart and three texts
    elapsed = time.monotonic() - started
    assert [m.method for m in said] == ["sendPhoto"]  # the texts were given up
    assert 3 <= elapsed < 5, elapsed  # one wait of 3 s, not one per text
