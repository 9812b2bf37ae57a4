"""Every plan change leaves a trace: the old text of a task changed or removed is kept as a
version, and the audit log records each task created, changed or removed, each import and
each rollover, with who did it; the chain still verifies afterwards.
"""

import json

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import services_of
from models.audit import CLI, Actor, verify_chain
from models.db import transaction
from models.members import create_member
from models.plan_import import ImportCatalogue, catalogue_for
from models.plan_rollover import rollover
from models.plan_sync import import_plan
from models.plans import plan_for_year, task_by_code
from models.tables import AuditEntry, Commune, Member, Role, Task, TaskVersion
from tests.helpers import DEFAULT_NOW, World
from tests.test_plan_import import appendix_rows, drop, edit, make_docx, read
from tests.test_story_plan_upload import plan_workbook

NOW = DEFAULT_NOW
NEW_TEXT = "Khám chữa bệnh miễn phí cho trẻ em dưới 6 tuổi."


@pytest.fixture(scope="module")
def catalogue() -> ImportCatalogue:
    return catalogue_for()


async def office_member(session: AsyncSession, commune: Commune) -> Member:
    issued = await create_member(
        session, commune, role=Role.OFFICE, name="Trần Thị Bình",
        unit_text="Văn phòng UBND xã", now=NOW,
    )  # fmt: skip
    return issued.member


async def entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.action == action)
    return list(await session.exec(statement.order_by(col(AuditEntry.seq))))


async def versions(session: AsyncSession) -> list[TaskVersion]:
    return list(await session.exec(select(TaskVersion).order_by(col(TaskVersion.id))))


async def test_a_changed_task_keeps_its_old_text_and_the_change_is_audited(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    office = await office_member(session, commune)
    plan = await plan_for_year(session, commune, 2026)
    assert plan is not None
    old = await task_by_code(session, plan, "6.1")
    assert old is not None and old.id is not None
    old_text, task_id = old.text, old.id

    spec = read(make_docx(edit(appendix_rows(), "6.1", 1, NEW_TEXT)), "a.docx", catalogue)
    await import_plan(session, commune, spec, year=2026, dry_run=True)
    assert await versions(session) == [] and await entries(session, "plan.import") == []

    changes = await import_plan(
        session, commune, spec, year=2026, dry_run=False, actor=Actor.of(office), now=NOW
    )
    assert [change.code for change in changes.updated] == ["6.1"]
    [version] = await versions(session)
    assert (version.task_id, version.code, version.text, version.reason) == (
        task_id, "6.1", old_text, "changed",
    )  # fmt: skip
    assert version.plan_id == plan.id and version.lead_text == old.lead_text
    [change] = await entries(session, "task.change")
    assert change.object_id == str(task_id) and change.actor == f"member:{office.id}"
    assert json.loads(change.before or "") == {"code": "6.1", "text": old_text}
    assert json.loads(change.after or "") == {"code": "6.1", "text": NEW_TEXT}
    [summary] = await entries(session, "plan.import")
    assert summary.object_type == "plan" and summary.object_id == str(plan.id)
    assert json.loads(summary.after or "")["updated"] == 1
    assert summary.actor_name == "Trần Thị Bình"
    assert (await verify_chain(session)).ok


async def test_a_removed_task_keeps_a_version_after_it_is_gone(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    plan = await plan_for_year(session, commune, 2026)
    assert plan is not None
    gone = await task_by_code(session, plan, "8.5")  # the last of its area: no code shifts
    assert gone is not None and gone.id is not None
    gone_id, gone_text = gone.id, gone.text

    spec = read(make_docx(drop(appendix_rows(), "8.5")), "a.docx", catalogue)
    changes = await import_plan(
        session, commune, spec, year=2026, dry_run=False, actor=CLI, now=NOW
    )
    assert [task.code for task in changes.removed] == ["8.5"]
    assert await session.get(Task, gone_id) is None
    [version] = await versions(session)
    assert (version.task_id, version.text, version.reason) == (gone_id, gone_text, "removed")
    [removal] = await entries(session, "task.remove")
    assert removal.actor == "cli" and removal.after is None
    assert json.loads(removal.before or "")["text"] == gone_text
    assert (await verify_chain(session)).ok


async def test_a_new_plan_audits_each_task_created_and_a_rollover_is_audited(
    catalogue: ImportCatalogue, session: AsyncSession, commune: Commune
) -> None:
    spec = read(make_docx(appendix_rows()), "a.docx", catalogue, year=2028)
    changes = await import_plan(
        session, commune, spec, year=2028, dry_run=False, actor=CLI, now=NOW
    )
    created = await entries(session, "task.create")
    assert len(created) == len(changes.created) == 46
    assert {json.loads(e.after or "")["code"] for e in created} == set(changes.created)
    assert await versions(session) == []

    result = await rollover(session, commune, from_year=2028, to_year=2029, actor=CLI, now=NOW)
    [entry] = await entries(session, "plan.rollover")
    assert entry.object_id == str(result.plan.id) and entry.actor == "cli"
    after = json.loads(entry.after or "")
    assert (after["from_year"], after["to_year"], after["tasks"]) == (2028, 2029, result.tasks)
    assert (await verify_chain(session)).ok


@pytest.mark.e2e
async def test_an_import_confirmed_in_chat_is_audited_as_the_office_member(
    world: World,
) -> None:
    office = await world.member(Role.OFFICE, "Trần Thị Bình", "Văn phòng UBND xã")
    content = await plan_workbook(world, NEW_TEXT)
    await office.send_document(content, "ke-hoach-2026.xlsx")
    said = await office.tap("✅ Nhập kế hoạch")
    assert said[0].text.startswith("✅ Đã nhập kế hoạch năm 2026")
    async with transaction(services_of(world.app).sessions) as session:
        [summary] = await entries(session, "plan.import")
        assert summary.actor.startswith("member:") and summary.actor_name == "Trần Thị Bình"
        [change] = await entries(session, "task.change")
        assert json.loads(change.after or "")["text"] == NEW_TEXT
        count = select(func.count()).select_from(TaskVersion)
        assert (await session.exec(count)).one() == 1
        assert (await verify_chain(session)).ok
