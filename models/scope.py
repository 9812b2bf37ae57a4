"""Which tasks a unit answers for: the one rule, used by reporting, summaries, reminders and
exports alike.

A hamlet answers for every task that involves the hamlets ("09 ấp") and the tasks a plan
names it for ("Ấp Bình Phú"); any other unit for the tasks it leads (chủ trì) or
coordinates (phối hợp).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.tables import Task, TaskRole, TaskUnit, Unit, UnitKind


@dataclass(frozen=True)
class TaskScope:
    """The plan's tasks by the unit that answers for them (built once per read)."""

    hamlet_tasks: tuple[int, ...] = ()
    led: dict[int, tuple[int, ...]] = field(default_factory=dict)
    coordinated: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # Task id -> its place in the plan.
    position: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, tasks: Iterable[Task], links: Iterable[TaskUnit]) -> "TaskScope":
        """The scope of ``tasks`` (in plan order) given their unit links."""
        ordered = [task for task in tasks if task.id is not None]
        position = {task.id or 0: n for n, task in enumerate(ordered)}
        led: dict[int, list[int]] = {}
        coordinated: dict[int, list[int]] = {}
        for link in links:
            if link.task_id in position:
                target = led if link.role == TaskRole.LEAD else coordinated
                target.setdefault(link.unit_id, []).append(link.task_id)

        def in_order(found: dict[int, list[int]]) -> dict[int, tuple[int, ...]]:
            return {u: tuple(sorted(ids, key=position.__getitem__)) for u, ids in found.items()}

        hamlets = tuple(task.id or 0 for task in ordered if task.involves_hamlets)
        return cls(hamlets, in_order(led), in_order(coordinated), position)

    def tasks_of(self, unit: Unit) -> tuple[int, ...]:
        """The ids of the tasks ``unit`` answers for, in plan order."""
        own = set(self.led.get(unit.id or 0, ())) | set(self.coordinated.get(unit.id or 0, ()))
        if unit.kind == UnitKind.HAMLET:
            # Every hamlet's tasks ("09 ấp"), and those a plan names it for ("Ấp Bình Phú").
            own |= set(self.hamlet_tasks)
        return tuple(sorted(own, key=self.position.__getitem__))

    def answers(self, unit: Unit, task_id: int) -> bool:
        """Whether ``unit`` answers for the task."""
        return task_id in self.tasks_of(unit)

    def owes_year_end_report(self, unit: Unit) -> bool:
        """Whether ``unit`` is counted for the year-end report: a unit that leads a task, or
        a hamlet while the plan has tasks for it.
        """
        return bool(self.tasks_of(unit) if unit.kind == UnitKind.HAMLET else self.leads(unit))

    def leads(self, unit: Unit) -> tuple[int, ...]:
        """The tasks ``unit`` leads (none for a hamlet: hamlets take part, they do not lead)."""
        return () if unit.kind == UnitKind.HAMLET else self.led.get(unit.id or 0, ())


def answers_for(unit: Unit, task: Task, unit_links_task: bool) -> bool:
    """The rule for one unit and one task, given whether the unit is linked to the task
    (for a query that looked only that link up).
    """
    if unit.kind == UnitKind.HAMLET:
        return task.involves_hamlets or unit_links_task  # "09 ấp", or named: "Ấp Bình Phú"
    return unit_links_task
