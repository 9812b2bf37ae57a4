"""/trehan and /chuabaocao as a hamlet head and the chairman see them."""

from datetime import date

import pytest
from sqlmodel import select

from bot.services import services_of
from models.db import transaction
from models.tables import Plan, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def set_plan_issued(world: World, issued: date) -> None:
    async with transaction(services_of(world.app).sessions) as session:
        plan = (await session.exec(select(Plan).where(Plan.year == 2026))).one()
        plan.issued = issued
        session.add(plan)


async def test_a_unit_with_nobody_on_the_bot_is_not_said_to_have_no_head(world: World) -> None:
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    said = await chairman.send("/chuabaocao")
    assert "• <b>Ấp 2</b> (chưa có người phụ trách trên bot): 0/9 nhiệm vụ" in said[0].text
    assert "(chưa có người phụ trách)" not in said[0].text


async def test_a_report_just_made_is_not_called_late_for_last_quarter(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    before = await head.send("/trehan")
    assert "<b>2.1</b>" in before[0].text  # nothing reported in Q3 nor Q4 yet
    said = await head.send("/baocao 2.1 50 đã niêm yết công khai")
    assert "Đã lưu" in said[0].text
    after = await head.send("/trehan")
    assert "<b>2.1</b>" not in after[0].text


async def test_quarters_before_the_plan_started_are_not_chased(world: World) -> None:
    head = await world.member(Role.HAMLET_HEAD, "Phạm Thị Dung", "Ấp 1")
    chairman = await world.member(Role.CHAIRMAN, "Nguyễn Văn An")
    # The 2026 plan issued on 15/10/2026: it runs from the fourth quarter, so nobody owes
    # a report for the third.
    await set_plan_issued(world, date(2026, 10, 15))
    for phone in (head, chairman):
        said = await phone.send("/trehan")
        assert "Quý III/2026" not in said[0].text
        assert said[0].text.startswith("✅ Không có nhiệm vụ nào trễ hạn")
