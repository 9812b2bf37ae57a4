"""A rollover gives each copied task the new year's own deadline (issue 11): a task due in
the first quarter of 2026 is due in the first quarter of 2027, not at the year's end.
"""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.deadlines import Repeat, read_timeframe, row_values, task_deadline
from models.plan_rollover import rollover
from models.plans import plan_for_year, task_by_code
from models.tables import Commune, Plan


async def test_a_task_due_in_the_first_quarter_is_due_then_in_the_new_year(
    session: AsyncSession, commune: Commune
) -> None:
    old = (await session.exec(select(Plan))).one()
    task = await task_by_code(session, old, "1.1")
    assert task is not None
    task.timeframe_text = "Quý I/2026"
    for key, value in row_values(read_timeframe(task.timeframe_text, 2026)).items():
        setattr(task, key, value)
    await session.flush()

    await rollover(session, commune, from_year=2026, to_year=2027)

    new = await plan_for_year(session, commune, 2027)
    assert new is not None
    copied = await task_by_code(session, new, "1.1")
    assert copied is not None and copied.timeframe_text == "Quý I/2027"
    deadline = task_deadline(copied)
    assert (deadline.repeat, [d.isoformat() for d in deadline.dates]) == (
        Repeat.ONCE,
        ["2027-03-31"],
    )
