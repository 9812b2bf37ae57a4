"""What the task picker shows of each task: the words that tell tasks apart, whether the
member's unit already reported it this quarter, and whether it leads or coordinates it.

Many tasks open with the same role phrase ("Chủ trì, phối hợp với …"), so a button cut at
30 characters read the same for half the plan ("3.1 · Chủ trì, phối hợp với Ủy…").
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import quarter_of
from models.reports import latest_of_unit
from models.tables import Member, Plan, Task, TaskRole, TaskUnit
from models.wording import shorten

# Role phrases a task text may open with: they say how, not what.
_ROLE_OPENING = re.compile(
    r"^(?:(?:chủ trì|phối hợp|tham mưu|cùng|với|và)[\s,;:-]*)+", re.IGNORECASE
)


def distinctive(text: str, limit: int) -> str:
    """``text`` without its opening role phrase, cut at a word to ``limit`` characters."""
    rest = _ROLE_OPENING.sub("", text.strip()).strip()
    if not rest:
        rest = text.strip()
    return shorten(rest[:1].upper() + rest[1:], limit)


def distinct_labels(texts: list[str], limit: int) -> list[str]:
    """A label for each of ``texts`` shown together: :func:`distinctive`, and where two
    still open with the same words, those words left out ("… các đoàn thể, Hội đồng…").
    """
    words = [distinctive(text, 10_000).split() for text in texts]
    labels = []
    for index, own in enumerate(words):
        shared = max(
            (_common(own, other) for n, other in enumerate(words) if n != index), default=0
        )
        shared = min(shared, len(own) - 1)
        rest = " ".join(own[shared:])
        labels.append(shorten(("… " if shared else "") + rest, limit))
    return labels


def _common(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(left, right, strict=False):
        if a.lower() != b.lower():
            break
        count += 1
    return count


@dataclass(frozen=True)
class PickerMarks:
    """What the picker marks: tasks reported this quarter, and the unit's part in each."""

    reported: frozenset[int]
    roles: dict[int, str]  # task id -> TaskRole (absent: a hamlet's, in scope by area)

    def tick(self, task: Task) -> str:
        """A tick for a task reported this quarter, else nothing (put after the label: a
        label still starts with its task's code).
        """
        return " ✅" if task.id in self.reported else ""

    def part(self, task: Task) -> str:
        """The unit's part, «chủ trì» or «phối hợp» (empty for a hamlet's task)."""
        role = self.roles.get(task.id or 0)
        if role == TaskRole.LEAD:
            return "chủ trì"
        return "phối hợp" if role == TaskRole.COORDINATING else ""


async def picker_marks(
    session: AsyncSession,
    reporter: Member,
    plan: Plan,
    tasks: list[Task],
    timezone: str,
    now: datetime,
) -> PickerMarks:
    """The marks for ``reporter``'s unit on ``tasks`` (read for that unit only)."""
    if reporter.unit_id is None or not tasks:
        return PickerMarks(frozenset(), {})
    ids = [t.id or 0 for t in tasks]
    latest = await latest_of_unit(session, plan, reporter.unit_id, ids)
    quarter = quarter_of(now, timezone)
    reported = frozenset(task_id for task_id, r in latest.items() if r.quarter == quarter)
    links = await session.exec(
        select(TaskUnit.task_id, TaskUnit.role).where(
            TaskUnit.unit_id == reporter.unit_id, col(TaskUnit.task_id).in_(ids)
        )
    )
    return PickerMarks(reported, {task_id: role for task_id, role in links})


def next_open(tasks: list[Task], marks: PickerMarks, after: Task) -> Task | None:
    """The first task after ``after`` (then from the top) not reported this quarter."""
    order = [t for t in tasks if t.id != after.id and t.id not in marks.reported]
    later = [t for t in order if (t.area_number, t.position) > (after.area_number, after.position)]
    if later:
        return later[0]
    return order[0] if order else None
