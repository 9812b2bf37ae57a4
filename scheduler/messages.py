"""The words of each reminder, and its options (one tap, or one typed number, to report)."""

from datetime import date

from bot import texts
from bot.texts import esc
from models.chat import Menu, Option, menu
from models.clock import format_date, quarter_label
from models.commune_profile import Profile
from models.wording import shorten
from scheduler.rules import Due, LateUnit, TaskRef

MAX_TASKS_LISTED = 8


def task_list(tasks: tuple[TaskRef, ...]) -> list[str]:
    """The open tasks, a short line each, cut after a few."""
    lines = [
        texts.REMIND_TASK_LINE.format(code=t.code, title=esc(shorten(t.text, 50)))
        for t in tasks[:MAX_TASKS_LISTED]
    ]
    if len(tasks) > MAX_TASKS_LISTED:
        lines.append(texts.REMIND_MORE.format(count=len(tasks) - MAX_TASKS_LISTED))
    return lines


def prompt_text(due: Due, deadline: date) -> str:
    """A prompt about open tasks: quarterly, deadline, overdue or on demand."""
    count = len(due.tasks)
    if due.kind == "quarterly":
        head = texts.REMIND_QUARTERLY.format(quarter=quarter_label(due.period), count=count)
    elif due.kind == "monthly":
        year, month = due.period.split("-")  # "2026-01"
        head = texts.REMIND_MONTHLY.format(month=f"{month}/{year}", count=count)
    elif due.kind.startswith("deadline-"):
        # A task's own due day (due.deadline) is not the year-end report's.
        wording = texts.REMIND_TASK_DEADLINE if due.deadline else texts.REMIND_DEADLINE
        head = wording.format(
            days=due.days_left, deadline=format_date(due.deadline or deadline), count=count
        )
    elif due.kind.startswith("overdue-"):
        wording = texts.REMIND_TASK_OVERDUE if due.deadline else texts.REMIND_OVERDUE
        head = wording.format(deadline=format_date(due.deadline or deadline), count=count)
    else:
        head = texts.REMIND_MANUAL.format(count=count)
    how = texts.REMIND_HOW.format(code=due.tasks[0].code)
    return "\n".join([head, *task_list(due.tasks), "", how])


def escalation_text(year: int, deadline: date, late: tuple[LateUnit, ...]) -> str:
    """Who is late for the year-end report, and on what."""
    lines = [texts.ESCALATION.format(year=year, deadline=format_date(deadline), count=len(late))]
    for unit in (u for u in late if u.members):
        lines.append(
            texts.ESCALATION_LINE.format(
                unit=esc(unit.name), who=esc(", ".join(unit.members)),
                codes=", ".join(unit.task_codes),
            )
        )  # fmt: skip
    nobody = [u for u in late if not u.members]
    if nobody:
        # Units and hamlets with no member in the bot: one line, or the message is a wall.
        names = ", ".join(esc(u.name) for u in nobody)
        lines.append(texts.ESCALATION_NOBODY_LINE.format(count=len(nobody), names=names))
    return "\n".join(lines)


def anticorruption_text(due: Due, profile: Profile) -> str:
    """The quarterly prompt to the anti-corruption officer, naming whom the commune's
    profile sends the report to.
    """
    return texts.ANTICORRUPTION.format(
        quarter=quarter_label(due.extra["quarter"]),
        recipient=esc(profile.anti_corruption_to),
        last_day=format_date(date.fromisoformat(due.extra["last_day"])),
        how=texts.ANTICORRUPTION_HOW
        if due.extra.get("can_export")
        else texts.ANTICORRUPTION_ASK_OFFICE,
    )


def report_buttons(task_id: int | None, code: str | None) -> Menu | None:
    """One choice to the report flow for the first open task, and one to the task list."""
    if task_id is None or code is None:
        return None
    return menu(
        [
            [
                Option(
                    texts.REMIND_BUTTON_TASK.format(code=code),
                    f"rp:start:{task_id}",
                    ("bao cao ngay",),
                ),
                Option(texts.REMIND_BUTTON_OTHER, "rp:start:0", ("nhiem vu khac",)),
            ]
        ]
    )


# Messages the bot sends on its own about one report (kind of the outbox row).
RETURNED_NOTICE = "report-returned"
ACCEPTED_NOTICE = "report-accepted"
PROXY_NOTICE = "report-proxy"


def buttons_for(kind: str, task_id: int | None, code: str | None) -> Menu | None:
    """The buttons an outbox message carries: a returned report's one tap to report again,
    or a prompt's taps to the report flow; none for a plain notice.
    """
    if kind in (ACCEPTED_NOTICE, PROXY_NOTICE):
        return None
    if kind == RETURNED_NOTICE and task_id is not None and code is not None:
        label = texts.REVIEW_BUTTON_AGAIN.format(code=code)
        return menu([[Option(label, f"rp:start:{task_id}", ("bao cao lai",))]])
    return report_buttons(task_id, code)
