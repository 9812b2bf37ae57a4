"""/baothay: the office enters a report phoned in by a hamlet head or a unit, most of which
have nobody on the bot. By unit or hamlet name (diacritics optional) or by member name;
every step tapped or typed, on Telegram and on Zalo; refusals say what to do next.
"""

from typing import Any

import pytest
from sqlmodel import col, select

from bot.app import build_application, start_application, stop_application
from bot.offline import OfflineBotAPI
from bot.phone import BotMessage, Phone
from bot.services import services_of
from bot.settings import Settings
from bot.zalo.phone import ZaloPhone
from models.db import transaction
from models.tables import AuditEntry, Member, Report, Role, Unit
from tests.helpers import World

pytestmark = pytest.mark.e2e

AnyPhone = Phone | ZaloPhone
OFFICE_UNIT = "Văn phòng UBND xã"


@pytest.fixture(params=["telegram", "zalo"])
def channel(request: Any) -> str:
    return str(request.param)


async def join(world: World, channel: str, role: Role, name: str, unit: str | None) -> AnyPhone:
    if channel == "telegram":
        return await world.member(role, name, unit)
    return await world.zalo_member(role, name, unit)


async def choose(phone: AnyPhone, label: str) -> list[BotMessage]:
    """Choose an option: a tap on Telegram, its number typed on Zalo."""
    if isinstance(phone, Phone):
        return await phone.tap(label)
    return await phone.choose(label)


def plain(messages: list[BotMessage]) -> str:
    return "\n".join(m.text for m in messages).replace("<b>", "").replace("</b>", "")


async def saved(world: World) -> list[tuple[str, str, str, str, int]]:
    """Each report as (unit, author, typist, status, percent)."""
    async with transaction(services_of(world.app).sessions) as session:
        people = {m.id: m.name for m in await session.exec(select(Member))}
        units = {u.id: u.name for u in await session.exec(select(Unit))}
        rows = await session.exec(select(Report).order_by(col(Report.id)))
        return [
            (units[r.unit_id], people[r.member_id], people[r.entered_by_id], r.status, r.percent)
            for r in rows
        ]


async def audit_actions(world: World) -> list[str]:
    async with transaction(services_of(world.app).sessions) as session:
        statement = select(AuditEntry.action).where(col(AuditEntry.action).like("report.%"))
        return list(await session.exec(statement))


async def test_a_hamlet_with_nobody_on_the_bot_reports_through_the_office(world: World) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)

    said = await office.send("/baothay Ấp 5")
    assert said[0].text.startswith("✍️ Báo cáo thay cho <b>Ấp 5</b>.")
    assert "Chọn nhiệm vụ" in said[0].text
    await office.tap("Sau")
    await office.tap("6.6")
    await office.tap("Đang thực hiện")
    await office.tap("75%")
    await office.send("Đã kéo điện cho 12 hộ (báo qua điện thoại)")
    said = await office.tap("Bỏ qua")
    # The confirm card says whose report is being entered.
    assert said[0].text.startswith("✍️ Báo cáo thay cho <b>Ấp 5</b>.\n<b>Kiểm tra lại")
    said = await office.tap("✅ Lưu")
    assert "Đã lưu báo cáo nhiệm vụ <b>6.6</b>" in said[0].text
    assert "Ghi thay cho Ấp 5" in said[0].text

    assert await saved(world) == [("Ấp 5", "Võ Thị Lan", "Võ Thị Lan", "in_progress", 75)]
    assert await audit_actions(world) == ["report.proxy"]

    # The review card says it was entered for the hamlet; accepting it tells no one else.
    said = await office.send("/duyet")
    assert "Đơn vị: Ấp 5 — Võ Thị Lan (nhập thay, đơn vị chưa có ai trên bot)" in said[0].text
    said = await office.tap("✅ Chấp nhận")
    assert "6.6" in said[0].text


async def test_a_unit_named_without_diacritics_every_step_typed(
    world: World, channel: str
) -> None:
    office = await join(world, channel, Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)

    said = await office.send("bao thay tram y te")
    assert "Báo cáo thay cho Trạm Y tế xã" in plain(said)
    said = await office.send("6.2")
    assert "Nhiệm vụ 6.2" in plain(said)
    await office.send("dang thuc hien")
    await office.send("40")
    await office.send("Trạm báo qua điện thoại")
    said = await office.send("bo qua")
    assert plain(said).startswith("✍️ Báo cáo thay cho Trạm Y tế xã.\nKiểm tra lại")
    said = await office.send("luu")
    assert "Ghi thay cho Trạm Y tế xã" in plain(said)
    assert await saved(world) == [("Trạm Y tế xã", "Võ Thị Lan", "Võ Thị Lan", "in_progress", 40)]


async def test_a_hamlet_with_a_head_on_the_bot_names_both(world: World, channel: str) -> None:
    head = await join(world, channel, Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    office = await join(world, channel, Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)

    said = await office.send("/baothay ap 3")
    assert "Báo cáo thay cho Trần Văn Bình. Đơn vị: Ấp 3." in plain(said)
    await office.send("6.6")
    await choose(office, "Hoàn thành")
    await office.send("bo qua")
    said = await office.send("bo qua")
    assert plain(said).startswith("✍️ Báo cáo thay cho Trần Văn Bình. Đơn vị: Ấp 3.")
    await choose(office, "✅ Lưu")
    assert "đã ghi báo cáo nhiệm vụ 6.6" in plain(head.inbox())
    assert await saved(world) == [("Ấp 3", "Trần Văn Bình", "Võ Thị Lan", "done", 100)]


async def test_a_report_for_a_hamlet_survives_a_restart(world: World, settings: Settings) -> None:
    office = await world.member(Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)
    await office.send("bao thay ap 7")
    said = await office.send("4.1")
    assert "Nhiệm vụ <b>4.1</b>" in said[0].text

    await stop_application(world.app)
    api = OfflineBotAPI()
    app = build_application(settings, request=api, clock=world.clock)
    await start_application(app)
    try:
        again = World(app, api, world.clock)
        phone = Phone(app, api, office.user_id, office.first_name)
        await phone.send("hoan thanh")
        await phone.send("bo qua")  # no note
        said = await phone.send("bo qua")  # no evidence
        assert said[0].text.startswith("✍️ Báo cáo thay cho <b>Ấp 7</b>.")
        said = await phone.send("luu")
        assert "Ghi thay cho Ấp 7" in said[0].text
        assert await saved(again) == [("Ấp 7", "Võ Thị Lan", "Võ Thị Lan", "done", 100)]
    finally:
        await stop_application(app)


async def test_several_matches_are_offered_to_choose(world: World, channel: str) -> None:
    await join(world, channel, Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    await join(world, channel, Role.HAMLET_HEAD, "Trần Thị Cúc", "Ấp 4")
    office = await join(world, channel, Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)

    said = await office.send("/baothay tran")
    assert "Có nhiều ấp, đơn vị hoặc người khớp «tran»" in plain(said)
    said = await choose(office, "Ấp 4 (Trần Thị Cúc)")
    assert "Báo cáo thay cho Trần Thị Cúc. Đơn vị: Ấp 4." in plain(said)

    # Typed by number on either channel.
    await office.send("/huy")
    await office.send("/baothay tran")
    said = await office.send("1")
    assert "Báo cáo thay cho Trần Văn Bình. Đơn vị: Ấp 3." in plain(said)

    said = await office.send("/baothay ap")
    assert "quá nhiều" in plain(said) and "/baothay Ấp 3" in plain(said)


async def test_refusals_say_what_to_do_next(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Trần Văn Bình", "Ấp 3")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    office = await world.member(Role.OFFICE, "Võ Thị Lan", OFFICE_UNIT)

    said = await office.send("/baothay Ấp 12")
    assert "Không tìm thấy ấp, đơn vị hay thành viên nào khớp «Ấp 12»" in said[0].text
    assert "Ấp 9" in said[0].text and "Trạm Y tế xã" in said[0].text
    assert "ví dụ: /baothay Ấp 3" in said[0].text

    said = await office.send("/baothay chong tham nhung")
    assert "không có nhiệm vụ nào trong kế hoạch năm 2026" in said[0].text
    assert "/tonghop" in said[0].text

    said = await office.send("/baothay Nguyễn Văn An")
    assert "không phải người báo cáo" in said[0].text and "/baothay Ấp 3" in said[0].text

    said = await head.send("/baothay Ấp 3")
    assert "dành cho Văn phòng UBND xã" in said[0].text and "/baocao" in said[0].text
    said = await chairman.send("/baothay Ấp 5")
    assert "Gõ /help" in said[0].text
    said = await office.send("/baothay")
    assert "ví dụ /baothay Ấp 3" in said[0].text
    assert await saved(world) == []
