"""Issue 11's "done when", end to end: every published-plan fixture imports (its new units
created), and a task it dates 31/3 is first reminded in March of the plan's year, to the
member of its lead unit, naming the task and its day; nothing about it in February.
"""

from datetime import date

import pytest
from sqlmodel import col, select

from bot.services import services_of
from models import plan_import
from models.db import transaction
from models.plan_data import PlanSpec, TaskSpec
from models.plan_sync import import_plan
from models.tables import Commune, Role, Unit, UnitKind
from scheduler.runner import run_tick
from tests.helpers import Phone, World, vn
from tests.test_published_plans import EXPECTED, FIXTURES

pytestmark = pytest.mark.e2e

IMPORTED = [pytest.param(plan, id=plan["id"]) for plan in EXPECTED if not plan.get("refused")]


def due_31_03(spec: PlanSpec, year: int) -> TaskSpec:
    """The first task the plan dates 31/3 of its year."""
    for task in spec.tasks:
        if date(year, 3, 31) in spec.deadline_of(task).dates:
            return task
    raise AssertionError("the fixture dates no task 31/3")


async def remind_until_first(world: World, phone: Phone, code: str, year: int) -> tuple[date, str]:
    """Run the scheduler each morning from 1/2; the day the first message naming the task
    reached ``phone``, and its text.
    """
    day = date(year, 2, 1)
    while day <= date(year, 3, 31):
        moment = vn(day.year, day.month, day.day, 8, 10)
        world.clock.now = moment
        await run_tick(services_of(world.app), moment)
        for message in phone.inbox():
            if f"<b>{code}</b>" in message.text:
                return day, message.text
        day = date.fromordinal(day.toordinal() + 1)
    raise AssertionError(f"{code} was never reminded by 31/3/{year}")


@pytest.mark.parametrize("plan", IMPORTED)
async def test_the_plan_imports_and_its_task_due_31_03_is_reminded_in_march(
    world: World, plan: dict[str, object]
) -> None:
    year = int(str(plan["year"]))
    reading = plan_import.read_plan_import_file(
        FIXTURES / str(plan["file"]), plan_import.catalogue_for(), commune="Thử", year=year
    )
    task = due_31_03(reading.spec, year)
    world.clock.now = vn(year, 1, 15)
    async with transaction(services_of(world.app).sessions) as session:
        commune = (await session.exec(select(Commune))).one()
        changes = await import_plan(session, commune, reading.spec, year=year, dry_run=False)
        assert len(changes.created) == plan["tasks"]
        lead = (
            await session.exec(
                select(Unit).where(
                    Unit.commune_id == commune.id, col(Unit.name) == task.lead_units[0]
                )
            )
        ).one()  # created by the import when the file named it first
    role = Role.HAMLET_HEAD if lead.kind == UnitKind.HAMLET else Role.OFFICER
    phone = await world.member(role, "Người Phụ Trách", lead.name)

    first, text = await remind_until_first(world, phone, task.code, year)

    assert first.month == 3, f"{task.code} first reminded on {first:%d/%m/%Y}"
    assert f"(31/03/{year})" in text
