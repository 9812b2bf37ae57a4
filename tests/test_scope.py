"""The one rule for which tasks a unit answers for."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.plans import current_plan, plan_tasks
from models.scope import TaskScope
from models.tables import Commune, TaskUnit, Unit


async def test_hamlets_answer_for_the_hamlet_tasks_and_units_for_what_they_lead_or_join(
    session: AsyncSession, commune: Commune
) -> None:
    plan = await current_plan(session, commune, 2026)
    tasks = await plan_tasks(session, plan)
    links = list(await session.exec(select(TaskUnit)))
    scope = TaskScope.of(tasks, links)
    units = {u.name: u for u in await session.exec(select(Unit))}
    codes = {t.id or 0: t.code for t in tasks}

    hamlet = [codes[i] for i in scope.tasks_of(units["Ấp 3"])]
    assert hamlet == [t.code for t in tasks if t.involves_hamlets] and "6.6" in hamlet
    health = [codes[i] for i in scope.tasks_of(units["Trạm Y tế xã"])]
    assert health[:2] == ["6.1", "6.2"] and health == sorted(
        health, key=list(codes.values()).index
    )
    assert scope.answers(units["Trạm Y tế xã"], next(i for i, c in codes.items() if c == "6.1"))
    assert not scope.answers(units["Ấp 3"], next(i for i, c in codes.items() if c == "6.1"))
    assert scope.leads(units["Ấp 3"]) == () and scope.owes_year_end_report(units["Ấp 3"])
