"""Summary counts."""

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.render import split_message, summary_messages
from models.clock import quarter_label, quarter_of
from models.members import create_member
from models.plans import task_by_code
from models.reports import ReportInput, record_report
from models.summary import summarise
from models.tables import Commune, Member, Plan, Role, Status
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW
TZ = "Asia/Ho_Chi_Minh"


async def make(session: AsyncSession, commune: Commune, role: Role, unit: str) -> Member:
    issued = await create_member(session, commune, role=role, name=unit, unit_text=unit, now=NOW)
    return issued.member


async def report(
    session: AsyncSession, member: Member, code: str, status: Status, percent: int, note: str = ""
) -> None:
    plan = (await session.exec(select(Plan))).one()
    task = await task_by_code(session, plan, code)
    assert task is not None
    await record_report(
        session, member=member, task=task, report=ReportInput(status, percent, note),
        now=NOW, timezone=TZ,
    )  # fmt: skip


async def test_an_empty_plan_is_all_not_reported(session: AsyncSession, commune: Commune) -> None:
    plan = (await session.exec(select(Plan))).one()
    summary = await summarise(session, commune, plan, NOW)
    assert (summary.total, summary.done, summary.percent) == (46, 0, 0)
    assert [a.not_reported for a in summary.areas] == [5, 2, 5, 7, 6, 10, 6, 5]
    assert len(summary.missing_hamlets) == 9
    assert "Văn phòng UBND xã" in summary.missing_units
    # Coordinating-only and outside units are not chased: they lead nothing.
    assert "Điện lực thành phố" not in summary.missing_units
    assert "Công an xã" not in summary.missing_units


async def test_counts_follow_the_lead_units(session: AsyncSession, commune: Commune) -> None:
    health = await make(session, commune, Role.OFFICER, "Trạm Y tế xã")
    builder = await make(session, commune, Role.OFFICER, "Cán bộ XD CB xã")
    hamlet = await make(session, commune, Role.HAMLET_HEAD, "Ấp 2")
    await report(session, health, "6.1", Status.DONE, 100)
    await report(session, health, "6.2", Status.IN_PROGRESS, 50)
    await report(session, builder, "6.6", Status.BLOCKED, 30, "Thiếu kinh phí kéo điện")
    # A hamlet's report on a task it only coordinates: the task is under way, 0% (lead silent).
    await report(session, hamlet, "6.7", Status.IN_PROGRESS, 80)
    # Then the task led by two units: done only when both say so.
    accountant = await make(session, commune, Role.OFFICER, "Kế toán ngân sách xã")
    await report(session, accountant, "2.2", Status.DONE, 100)

    plan = (await session.exec(select(Plan))).one()
    summary = await summarise(session, commune, plan, NOW)
    services = summary.areas[5]
    assert (services.done, services.in_progress, services.blocked, services.not_reported) == (
        1, 2, 1, 6,
    )  # fmt: skip
    openness = summary.areas[1]
    assert (openness.done, openness.in_progress) == (0, 1)
    assert summary.done == 1
    # (100 + 50 + 30 + 0 + 50) / 46 tasks
    assert summary.percent == round(230 / 46)
    assert [(b.task_code, b.unit_name, b.note) for b in summary.blocked] == [
        ("6.6", "Cán bộ Xây dựng cơ bản xã", "Thiếu kinh phí kéo điện")
    ]
    # Reporting some tasks is not reporting them all: still short, with the counts shown.
    shares = {p.name: (p.reported, p.in_scope) for p in summary.participation}
    assert shares["Trạm Y tế xã"] == (2, 4) and "Trạm Y tế xã" in summary.missing_units
    assert shares["Ấp 2"] == (1, 9) and "Ấp 2" in summary.missing_hamlets

    messages = summary_messages(summary, TZ)
    assert len(messages) == 3
    assert "Hoàn thành chung: <b>5%</b> (1/46 nhiệm vụ xong)" in messages[0]
    assert "Chưa báo cáo đủ Quý IV/2026" in messages[1]
    assert "• Trạm Y tế xã (2/4)" in messages[1]
    assert "<b>6.6</b> (Cán bộ Xây dựng cơ bản xã): Thiếu kinh phí kéo điện" in messages[2]


def test_quarters_are_counted_in_the_communes_timezone() -> None:
    # 00:30 on 1 January in Vietnam is still 31 December in UTC.
    assert quarter_of(datetime(2026, 12, 31, 17, 30, tzinfo=UTC), TZ) == "2027Q1"
    assert quarter_of(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), TZ) == "2026Q4"
    assert quarter_label("2026Q4") == "Quý IV/2026"


def test_long_messages_split_at_line_breaks() -> None:
    lines = [f"dòng {n} " + "x" * 50 for n in range(200)]
    parts = split_message("\n".join(lines), limit=1000)
    assert all(len(part) <= 1000 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert split_message("x" * 2500, limit=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


async def test_the_chart_is_a_phone_sized_png_with_a_bar_per_area_and_unit(
    session: AsyncSession, commune: Commune
) -> None:
    import io

    from PIL import Image

    from handlers.charts import summary_chart

    plan = (await session.exec(select(Plan))).one()
    whole = summary_chart(await summarise(session, commune, plan, NOW))
    area = summary_chart(await summarise(session, commune, plan, NOW, area_number=6))
    for png in (whole, area):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    whole_size = Image.open(io.BytesIO(whole)).size
    area_size = Image.open(io.BytesIO(area)).size
    assert whole_size[0] < whole_size[1]  # portrait, for a phone
    assert area_size[1] < whole_size[1]  # one area: fewer bars, a shorter picture


def test_who_owes_a_report() -> None:
    from models.reports import owes_report
    from models.tables import Report, Task, Timeframe

    def task(timeframe: Timeframe) -> Task:
        return Task(
            commune_id=1, plan_id=1, area_id=1, code="1.1", area_number=1, position=1,
            text="t", result="", lead_text="", coordinating_text="", timeframe=timeframe,
            timeframe_text="",
        )  # fmt: skip

    def report(quarter: str, status: Status, review: str | None = None) -> Report:
        return Report(
            commune_id=1, plan_id=1, task_id=1, unit_id=1, member_id=1, entered_by_id=1,
            version=1, quarter=quarter, created_at=NOW, status=status, percent=50,
            review_status=review,
        )  # fmt: skip

    year, ongoing = task(Timeframe.YEAR), task(Timeframe.ONGOING)
    assert owes_report(year, None, "2026Q4")
    assert not owes_report(year, report("2026Q4", Status.IN_PROGRESS), "2026Q4")
    assert owes_report(year, report("2026Q3", Status.IN_PROGRESS), "2026Q4")
    assert not owes_report(year, report("2026Q3", Status.DONE), "2026Q4")  # finished: not chased
    assert owes_report(ongoing, report("2026Q3", Status.DONE), "2026Q4")  # recurs each quarter
    assert owes_report(year, report("2026Q4", Status.DONE, "returned"), "2026Q4")
