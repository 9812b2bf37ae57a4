"""Reminders end to end: the real Application, the offline Bot API, an injected clock."""

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot.app import build_application, start_application, stop_application
from bot.offline import Fault, OfflineBotAPI
from bot.services import services_of
from bot.settings import Settings
from bot.telegram_chat import telegram_channels
from models.accounts import channel_account
from models.db import transaction
from models.tables import Member, Reminder, Role
from scheduler.delivery import deliver_pending
from scheduler.runner import TickResult, run_tick
from tests.helpers import FakeClock, World, vn

pytestmark = pytest.mark.e2e


async def tick(world: World, moment: datetime) -> TickResult:
    world.clock.now = moment
    return await run_tick(services_of(world.app), moment)


async def reminders(world: World) -> list[Reminder]:
    async with transaction(services_of(world.app).sessions) as session:
        return list(await session.exec(select(Reminder).order_by(Reminder.id)))  # type: ignore[arg-type]


async def test_quarterly_prompt_goes_only_to_non_reporters_and_opens_the_report(
    world: World,
) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    teacher = await world.member(Role.OFFICER, "Đỗ Thị Giang", "Giáo dục và Đào tạo")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")

    # The third quarter ends on Wednesday 30/09: the prompt goes on 23/09 at 08:00.
    world.clock.now = vn(2026, 9, 10, 9)
    said = await teacher.send("/baocao 6.5 50 đã sửa 3 phòng học")
    assert "Đã lưu" in said[0].text
    early = await tick(world, vn(2026, 9, 23, 7, 55))
    assert early.recorded == 0 and health.inbox() == []

    result = await tick(world, vn(2026, 9, 23, 8, 5))
    assert result.delivery is not None and result.delivery.sent == 1
    [prompt] = health.inbox()
    assert "Nhắc báo cáo Quý III/2026" in prompt.text
    assert "còn 4 nhiệm vụ chưa báo cáo" in prompt.text
    assert "<b>6.1</b>" in prompt.text and "/baocao 6.1" in prompt.text
    assert prompt.button_labels == ["📝 Báo cáo 6.1", "📋 Nhiệm vụ khác"]
    assert teacher.inbox() == [] and chairman.inbox() == []

    said = await health.tap("📝 Báo cáo 6.1")
    assert "Nhiệm vụ <b>6.1</b>" in said[0].text and "Tình trạng hiện nay" in said[0].text

    again = await tick(world, vn(2026, 9, 23, 8, 10))
    assert again.recorded == 0 and health.inbox() == []
    rows = await reminders(world)
    assert [(r.kind, r.period, r.status) for r in rows] == [("quarterly", "2026Q3", "sent")]


async def test_two_schedulers_and_a_restart_send_each_reminder_once(
    world: World, settings: Settings, clock: FakeClock
) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    other_api = OfflineBotAPI()
    other = build_application(settings, request=other_api, clock=clock)
    await start_application(other)
    try:
        moment = vn(2026, 12, 24, 8, 5)
        clock.now = moment
        await asyncio.gather(
            run_tick(services_of(world.app), moment),
            run_tick(services_of(other), moment),
        )
    finally:
        await stop_application(other)

    def prompts(api: OfflineBotAPI, chat_id: int) -> int:
        return sum("Nhắc báo cáo" in str(c.params["text"]) for c in api.sent(chat_id))

    assert prompts(world.api, health.user_id) + prompts(other_api, health.user_id) == 1
    assert prompts(world.api, head.user_id) + prompts(other_api, head.user_id) == 1

    # A restart: a new Application on the same database decides the same reminders again.
    restarted_api = OfflineBotAPI()
    restarted = build_application(settings, request=restarted_api, clock=clock)
    await start_application(restarted)
    try:
        result = await run_tick(services_of(restarted), vn(2026, 12, 24, 9))
    finally:
        await stop_application(restarted)
    assert result.due == 2 and result.recorded == 0 and restarted_api.sent() == []


async def test_a_prompt_missed_while_down_goes_if_still_relevant_and_stale_ones_do_not(
    world: World,
) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    # Down from 23/12 to 02/01: the quarterly prompt of 24/12, the overdue nudges of
    # 21–23/12 and the Q4 period are all past. Nothing is flooded out.
    result = await tick(world, vn(2027, 1, 2, 10))
    assert result.due == 0 and health.inbox() == []
    # Down only until 30/12: the quarter is still on, the prompt goes.
    result = await tick(world, vn(2026, 12, 30, 10))
    assert [m.text.split("\n")[0] for m in health.inbox()] == [
        "📌 <b>Nhắc báo cáo Quý IV/2026</b>"
    ]


async def test_deadline_ladder_then_overdue_nudge_and_escalation(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")

    await tick(world, vn(2026, 12, 6, 8, 5))  # a Sunday: nothing
    assert health.inbox() == []
    await tick(world, vn(2026, 12, 7, 8, 5))
    assert "Còn 13 ngày đến hạn báo cáo năm</b> (20/12/2026)" in health.inbox()[0].text
    await tick(world, vn(2026, 12, 14, 8, 5))
    assert "Còn 6 ngày" in health.inbox()[0].text

    await health.send("/baocao 6.1 100")
    await tick(world, vn(2026, 12, 21, 8, 5))
    nudge = health.inbox()
    assert "Đã quá hạn báo cáo năm" in nudge[0].text and "ngay 3 nhiệm vụ" in nudge[0].text
    escalations = [m.text for m in chairman.inbox() if "Quá hạn báo cáo năm 2026" in m.text]
    assert len(escalations) == 1
    assert "<b>Trạm Y tế xã</b> (Lê Văn Cường): 6.2, 6.3, 6.4" in escalations[0]
    assert "<b>Chưa có người phụ trách trên bot</b> (20):" in escalations[0]
    assert "Ấp 1, Ấp 2" in escalations[0]
    assert any("Quá hạn báo cáo năm 2026" in m.text for m in office.inbox())


async def test_quiet_hours_hold_the_office_reminder_until_morning(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    world.clock.now = vn(2026, 11, 26, 22, 0)
    said = await office.send("/nhacnho")
    assert said[0].text.startswith("Đang trong giờ nghỉ (21:00–07:00).")
    assert health.inbox() == []
    await tick(world, vn(2026, 11, 27, 6, 55))
    assert health.inbox() == []
    await tick(world, vn(2026, 11, 27, 7, 5))
    [reminder] = health.inbox()
    assert "Văn phòng UBND xã nhắc báo cáo" in reminder.text


async def test_office_reminds_now_and_sees_how_many_were_sent(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    said = await office.send("/nhacnho")
    # The office's own unit has open tasks too, but who asks needs no reminder.
    assert said[0].text == "Đã gửi nhắc nhở tới 2 người chưa báo cáo."
    assert len(health.inbox()) == 1 and len(head.inbox()) == 1
    again = await office.send("/nhacnho")  # the same minute: nothing twice
    assert again[0].text == "Đã gửi nhắc nhở tới 0 người chưa báo cáo."
    assert health.inbox() == []


async def test_a_member_who_blocked_the_bot_is_marked_and_the_office_told_once(
    world: World,
) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    world.api.blocked_chats.add(health.user_id)
    said = [m.text for m in await office.send("/nhacnho")]
    assert said[-2:] == [
        "Đã gửi nhắc nhở tới 0 người chưa báo cáo.",
        "Không gửi được cho 1 người (đã chặn bot hoặc lỗi mạng).",
    ]
    notices = [text for text in said if "người này đã chặn bot" in text]
    assert notices == [
        "⚠️ Không gửi được tin cho <b>Lê Văn Cường</b> (Trạm Y tế xã): người này đã chặn bot.\n"
        "Bot sẽ ngừng gửi cho họ cho đến khi họ nhắn lại."
    ]
    statuses = {(r.kind, r.status) for r in await reminders(world)}
    assert ("manual", "blocked") in statuses

    attempts = len(world.api.sent(health.user_id))
    world.clock.advance(minutes=2)
    again = await office.send("/nhacnho")
    assert again[0].text.startswith("Không có ai cần nhắc lúc này")
    await tick(world, vn(2026, 12, 7, 9))  # a deadline rung: still not to them
    assert len(world.api.sent(health.user_id)) == attempts
    assert [m for m in office.inbox() if "người này đã chặn bot" in m.text] == []

    world.api.blocked_chats.clear()
    await health.send("/nhiemvu")  # they unblocked the bot and wrote again
    async with transaction(services_of(world.app).sessions) as session:
        member = (await session.exec(select(Member).where(Member.name == "Lê Văn Cường"))).one()
        account = await channel_account(session, member)
    assert account is not None and account.unreachable_at is None


async def test_a_429_is_retried_and_the_message_delivered(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    world.api.faults.append(Fault("sendMessage", 429, "Too Many Requests: retry after 1", 1))
    moment = vn(2026, 12, 24, 8, 5)
    result = await tick(world, moment)
    assert result.delivery is not None
    if result.delivery.sent == 0:
        # A rate limiter that hands background 429s back at once: the reminder waits in
        # the database for retry_after (no sleeping in the tick), the next tick sends it.
        assert result.delivery.stopped == "rate limited"
        [waiting] = await reminders(world)
        assert waiting.status == "pending" and waiting.attempts == 0
        await tick(world, moment + timedelta(minutes=5))
    # (A limiter that waits 429s out delivers it in the first tick.)
    sends = [c for c in world.api.sent(health.user_id) if "Nhắc báo cáo" in c.params["text"]]
    assert len(sends) == 2  # the refused one, then the same message again
    assert len(health.inbox()) == 1
    assert [r.status for r in await reminders(world)] == ["sent"]


async def test_a_network_error_is_retried_with_backoff(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    services = services_of(world.app)
    world.clock.now = vn(2026, 12, 24, 8, 5)
    await tick(world, vn(2026, 12, 24, 7, 0))  # nothing due yet
    from scheduler.delivery import Outgoing, record

    assert services.commune_id is not None
    async with transaction(services.sessions) as session:
        member = (await session.exec(select(Member).where(Member.name == "Lê Văn Cường"))).one()
    now = world.clock.now
    await record(
        services.sessions,
        services.commune_id,
        [Outgoing(member.id or 0, "manual", "x", "Nhắc thử", now, vn(2026, 12, 25, 8))],
        now,
    )
    world.api.faults.append(Fault("sendMessage", 502, "Bad Gateway", count=2))
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    report = await deliver_pending(
        services.sessions,
        telegram_channels(world.app.bot),
        services.commune_id,
        now,
        sleep=no_sleep,
    )
    assert report.sent == 1 and waits == [0.5, 1.0]
    assert [m.text for m in health.inbox()] == ["Nhắc thử"]


async def test_muted_members_get_deadlines_but_not_routine_prompts(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    world.clock.now = vn(2026, 12, 1, 9)
    said = await health.send("/tamdung 30")
    assert "đến hết ngày 31/12/2026" in said[0].text
    await tick(world, vn(2026, 12, 7, 8, 5))
    assert "Còn 13 ngày" in health.inbox()[0].text
    await tick(world, vn(2026, 12, 24, 8, 5))
    assert health.inbox() == []
    said = await health.send("/tamdung 0")
    assert said[0].text == "Đã bật lại nhắc nhở thường kỳ."
    await tick(world, vn(2026, 12, 24, 8, 10))
    assert "Nhắc báo cáo Quý IV/2026" in health.inbox()[0].text


async def test_weekly_digest_to_the_chairman(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    world.clock.now = vn(2026, 11, 26, 9)
    await health.send("/baocao 6.1 100")
    await health.send("/baocao 6.2 khó khăn thiếu máy siêu âm")
    await tick(world, vn(2026, 11, 30, 7, 35))
    [digest] = chairman.inbox()
    assert "Tóm tắt tuần</b> (30/11/2026)" in digest.text
    assert "Tuần qua: 2 báo cáo mới, 1 nhiệm vụ hoàn thành." in digest.text
    assert "⚠️ Gặp khó khăn: 1" in digest.text


async def test_finished_work_is_not_chased_and_returned_work_is(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    world.clock.now = vn(2026, 8, 10, 9)
    await health.send("/baocao 6.1 100 đã xong từ quý III")
    world.clock.now = vn(2026, 11, 26, 9)
    await health.send("/baocao 6.2 50")
    await office.send("/duyet")  # the oldest waiting first: 6.1, accepted
    await office.tap("✅ Chấp nhận")
    await office.tap("↩️ Trả lại")  # 6.2, returned
    await office.send("Thiếu số liệu máy tính đã lắp")

    await tick(world, vn(2026, 12, 7, 8, 5))
    ladder = next(m.text for m in health.inbox() if "đến hạn báo cáo năm" in m.text)
    assert "còn 3 nhiệm vụ chưa báo cáo" in ladder
    assert "<b>6.1</b>" not in ladder and "<b>6.2</b>" in ladder


async def test_a_late_deadline_reminder_waits_for_a_working_day_and_counts_from_it(
    world: World,
) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    # Down from before the 7/12 rung until Sunday 13/12: nothing goes on a Sunday ...
    await tick(world, vn(2026, 12, 13, 10))
    assert health.inbox() == []
    # ... nor before the usual hour on Monday; at 08:00 the rung of 14/12 goes, counted
    # from the day it is sent.
    await tick(world, vn(2026, 12, 14, 0, 5))
    assert health.inbox() == []
    await tick(world, vn(2026, 12, 14, 8, 5))
    [reminder] = health.inbox()
    assert "Còn 6 ngày đến hạn báo cáo năm</b> (20/12/2026)" in reminder.text


async def test_a_deadline_reminder_caught_up_midweek_counts_from_that_day(world: World) -> None:
    health = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    # The 7/12 rung, sent on Wednesday 9/12 when the bot came back.
    await tick(world, vn(2026, 12, 9, 10))
    [reminder] = health.inbox()
    assert "Còn 11 ngày đến hạn báo cáo năm</b> (20/12/2026)" in reminder.text


async def test_the_anticorruption_reminder_says_how_to_get_the_report(world: World) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    # Q3 ends on 30/09; ten days before is Sunday 20/09, so the prompt goes on Monday 21/09.
    await tick(world, vn(2026, 9, 21, 8, 5))
    [prompt] = [m for m in office.inbox() if "phòng, chống tham nhũng" in m.text]
    assert "Gõ /xuat pctn" in prompt.text
    said = await office.send("/xuat pctn")
    assert said and said[-1].method == "sendDocument"


async def test_the_anticorruption_officer_is_told_who_gets_the_report(world: World) -> None:
    officer = await world.member(
        Role.OFFICER, "Võ Văn Hải", "Cán bộ phụ trách phòng, chống tham nhũng xã"
    )
    await tick(world, vn(2026, 9, 21, 8, 5))
    [prompt] = [m for m in officer.inbox() if "phòng, chống tham nhũng" in m.text]
    assert "/xuat pctn" in prompt.text and "Văn phòng UBND xã" in prompt.text
