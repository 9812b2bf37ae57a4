"""A report never contradicts itself: "gặp khó khăn" or "đang thực hiện" at 100% is asked
about, not saved (issue 10, point 2). Typed and tapped, one-line and guided.
"""

import pytest
from sqlmodel import col, select

from bot.services import services_of
from models.db import transaction
from models.tables import Report, Role
from tests.helpers import World

pytestmark = pytest.mark.e2e


async def reports(world: World) -> list[tuple[str, int, str]]:
    async with transaction(services_of(world.app).sessions) as session:
        rows = await session.exec(select(Report).order_by(col(Report.id)))
        return [(r.status, r.percent, r.note) for r in rows]


async def test_a_blocked_line_after_100_percent_asks_the_percent_then_saves(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2 100")
    said = await officer.send("/baocao 6.2 kho khan thieu kinh phi")
    assert "lần trước báo 100%" in said[0].text and "gặp khó khăn" in said[0].text
    assert "100%" not in said[0].button_labels  # a blocked task is not finished
    assert await reports(world) == [("done", 100, "")]  # nothing saved yet

    said = await officer.send("60")  # typed; the note was given in the line
    assert "minh chứng" in said[0].text
    said = await officer.send("bỏ qua")
    assert "Gặp khó khăn — 60%" in said[0].text and "thieu kinh phi" in said[0].text
    said = await officer.send("lưu")
    assert "Đã lưu" in said[0].text
    assert (await reports(world))[-1] == ("blocked", 60, "thieu kinh phi")


async def test_a_blocked_line_with_100_is_refused(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    said = await officer.send("/baocao 6.2 khó khăn 100 thiếu máy")
    assert "chưa đạt 100%" in said[0].text
    assert await reports(world) == []


async def test_a_status_then_a_percent_in_one_line(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    said = await officer.send("/baocao 6.2 khó khăn 40 thiếu máy")
    assert "Gặp khó khăn, 40%" in said[0].text
    assert await reports(world) == [("blocked", 40, "thiếu máy")]


async def test_tapping_100_percent_while_blocked_is_refused_and_the_step_stays(
    world: World,
) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2")
    said = await officer.tap("Gặp khó khăn")
    assert "100%" not in said[0].button_labels
    said = await officer.send("100")
    assert "chưa xong" in said[0].text
    said = await officer.tap("75%")  # the options shown still answer the step
    assert "khó khăn" in said[0].text
    await officer.send("thiếu máy")
    await officer.send("bỏ qua")
    await officer.send("lưu")
    assert await reports(world) == [("blocked", 75, "thiếu máy")]


async def test_in_progress_at_100_percent_is_saved_as_done_and_said_so(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2")
    await officer.tap("Đang thực hiện")
    said = await officer.tap("100%")
    assert "Hoàn thành" in said[0].text
    await officer.send("bỏ qua")
    said = await officer.send("bỏ qua")
    assert "Hoàn thành — 100%" in said[0].text
    await officer.send("lưu")
    assert await reports(world) == [("done", 100, "")]


async def test_an_in_progress_line_after_100_percent_asks_too(world: World) -> None:
    officer = await world.member(Role.OFFICER, "Lê Văn Cường", "Trạm Y tế xã")
    await officer.send("/baocao 6.2 100")
    said = await officer.send("/baocao 6.2 đang thực hiện")
    assert "lần trước báo 100%" in said[0].text
    assert await reports(world) == [("done", 100, "")]
