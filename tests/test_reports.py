"""Scope and report versions."""

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.errors import DomainError
from models.members import create_member
from models.plans import task_by_code
from models.reports import (
    ReportInput,
    latest_reports,
    record_report,
    report_history,
    tasks_in_scope,
)
from models.tables import Commune, Member, Plan, Role, Status
from tests.helpers import DEFAULT_NOW

NOW = DEFAULT_NOW
TZ = "Asia/Ho_Chi_Minh"


async def make(session: AsyncSession, commune: Commune, role: Role, unit: str | None) -> Member:
    issued = await create_member(session, commune, role=role, name="X", unit_text=unit, now=NOW)
    return issued.member


async def plan(session: AsyncSession) -> Plan:
    return (await session.exec(select(Plan))).one()


async def test_scope_of_an_officer_is_what_their_unit_leads_or_coordinates(
    session: AsyncSession, commune: Commune
) -> None:
    health = await make(session, commune, Role.OFFICER, "Trạm Y tế xã")
    codes = [t.code for t in await tasks_in_scope(session, health, await plan(session))]
    assert codes == ["6.1", "6.2", "6.3", "6.4"]
    social = await make(session, commune, Role.OFFICER, "LĐTBXH")
    codes = [t.code for t in await tasks_in_scope(session, social, await plan(session))]
    assert codes == ["2.1", "6.3", "6.10"]  # leads 2.1 and 6.10, coordinates 6.3


async def test_scope_of_a_hamlet_head_is_the_tasks_of_the_hamlets(
    session: AsyncSession, commune: Commune
) -> None:
    head = await make(session, commune, Role.HAMLET_HEAD, "Ấp 5")
    codes = [t.code for t in await tasks_in_scope(session, head, await plan(session))]
    assert codes == ["2.1", "3.1", "3.4", "4.1", "4.2", "6.3", "6.6", "6.7", "6.8"]


async def test_chairman_reports_on_nothing(session: AsyncSession, commune: Commune) -> None:
    chairman = await make(session, commune, Role.CHAIRMAN, None)
    assert await tasks_in_scope(session, chairman, await plan(session)) == []


async def test_reporting_outside_scope_is_refused_and_saves_nothing(
    session: AsyncSession, commune: Commune
) -> None:
    head = await make(session, commune, Role.HAMLET_HEAD, "Ấp 5")
    task = await task_by_code(session, await plan(session), "6.1")
    assert task is not None
    with pytest.raises(DomainError) as error:
        await record_report(
            session, member=head, task=task, report=ReportInput(Status.DONE, 100),
            now=NOW, timezone=TZ,
        )  # fmt: skip
    assert error.value.reason == "out_of_scope"
    assert await latest_reports(session, await plan(session)) == {}


async def test_a_correction_is_a_new_version_and_history_is_kept(
    session: AsyncSession, commune: Commune
) -> None:
    head = await make(session, commune, Role.HAMLET_HEAD, "Ấp 5")
    task = await task_by_code(session, await plan(session), "6.8")
    assert task is not None and head.unit_id is not None
    first = await record_report(
        session, member=head, task=task, report=ReportInput(Status.IN_PROGRESS, 50, "nửa"),
        now=NOW, timezone=TZ,
    )  # fmt: skip
    second = await record_report(
        session, member=head, task=task, report=ReportInput(Status.IN_PROGRESS, 80, "gần xong"),
        now=NOW, timezone=TZ,
    )  # fmt: skip
    assert (first.version, second.version) == (1, 2)
    history = await report_history(session, task, head.unit_id)
    assert [(r.version, r.percent, r.note) for r in history] == [
        (1, 50, "nửa"),
        (2, 80, "gần xong"),
    ]
    latest = await latest_reports(session, await plan(session))
    assert task.id is not None
    assert latest[(task.id, head.unit_id)].percent == 80
    assert second.quarter == "2026Q4"


@pytest.mark.parametrize("percent", [-1, 101, 250])
async def test_percent_out_of_range_is_refused(
    session: AsyncSession, commune: Commune, percent: int
) -> None:
    head = await make(session, commune, Role.HAMLET_HEAD, "Ấp 5")
    task = await task_by_code(session, await plan(session), "6.8")
    assert task is not None
    with pytest.raises(DomainError) as error:
        await record_report(
            session, member=head, task=task, report=ReportInput(Status.IN_PROGRESS, percent),
            now=NOW, timezone=TZ,
        )  # fmt: skip
    assert error.value.reason == "bad_percent"


async def test_done_means_100_and_not_started_means_0(
    session: AsyncSession, commune: Commune
) -> None:
    head = await make(session, commune, Role.HAMLET_HEAD, "Ấp 5")
    task = await task_by_code(session, await plan(session), "6.8")
    assert task is not None
    done = await record_report(
        session, member=head, task=task, report=ReportInput(Status.DONE, 40),
        now=NOW, timezone=TZ,
    )  # fmt: skip
    assert done.percent == 100
