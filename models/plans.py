"""Finding a commune's plans and tasks."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.errors import DomainError
from models.tables import Area, Commune, Plan, Task, TaskRole, TaskUnit


async def current_plan(session: AsyncSession, commune: Commune, year: int) -> Plan:
    """The plan for ``year``, or else the latest plan before it, or else the earliest one.

    Raises:
        DomainError: ``no_plan`` when the commune has no plan at all.
    """
    plans = list(
        await session.exec(
            select(Plan).where(Plan.commune_id == commune.id).order_by(col(Plan.year))
        )
    )
    if not plans:
        raise DomainError("no_plan")
    earlier = [plan for plan in plans if plan.year <= year]
    return earlier[-1] if earlier else plans[0]


async def plan_for_year(session: AsyncSession, commune: Commune, year: int) -> Plan | None:
    """The commune's plan for ``year``, if it has one."""
    statement = select(Plan).where(Plan.commune_id == commune.id, Plan.year == year)
    return (await session.exec(statement)).first()


async def plan_areas(session: AsyncSession, plan: Plan) -> list[Area]:
    """The plan's areas in order."""
    statement = select(Area).where(Area.plan_id == plan.id).order_by(col(Area.number))
    return list(await session.exec(statement))


async def plan_tasks(session: AsyncSession, plan: Plan) -> list[Task]:
    """The plan's tasks in plan order."""
    statement = (
        select(Task)
        .where(Task.plan_id == plan.id)
        .order_by(col(Task.area_number), col(Task.position))
    )
    return list(await session.exec(statement))


async def task_by_code(session: AsyncSession, plan: Plan, code: str) -> Task | None:
    """The plan's task with this code (``"6.3"``), if any."""
    statement = select(Task).where(Task.plan_id == plan.id, Task.code == code.strip())
    return (await session.exec(statement)).first()


async def lead_units(session: AsyncSession, plan: Plan) -> dict[int, list[int]]:
    """The lead unit ids of each task of the plan."""
    statement = (
        select(TaskUnit)
        .join(Task, col(Task.id) == col(TaskUnit.task_id))
        .where(Task.plan_id == plan.id, TaskUnit.role == TaskRole.LEAD)
    )
    leads: dict[int, list[int]] = {}
    for link in await session.exec(statement):
        leads.setdefault(link.task_id, []).append(link.unit_id)
    return leads
