"""Turning domain data into short phone-sized messages, the same on every channel (the
options offered with them are built with :func:`models.chat.menu`).
"""

from datetime import timedelta

from bot import texts
from bot.texts import esc
from models.chat import split_text
from models.clock import format_date, format_datetime, quarter_label
from models.summary import PlanSummary, TaskLine
from models.tables import Report, Status, Task
from models.wording import shorten

# Telegram's limit is 4096 characters; leave room for what clients add. A channel with a
# smaller limit (Zalo) splits each of these messages again at its own.
MESSAGE_LIMIT = 3800


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a long text into messages at line breaks, never inside a line that fits."""
    return split_text(text, limit)


def task_icon(report: Report | None) -> str:
    """The icon of a unit's latest report on a task."""
    if report is None:
        return texts.NOT_REPORTED_ICON
    if report.review_status == "returned":
        return texts.RETURNED_ICON
    return texts.STATUS_ICONS[Status(report.status)]


def _as_of(summary: PlanSummary, timezone: str) -> str:
    if summary.closed:
        last_day = (summary.as_of - timedelta(minutes=1)).date()
        return texts.SUMMARY_AS_OF_END.format(date=format_date(last_day))
    return texts.SUMMARY_UPDATED.format(time=format_datetime(summary.as_of, timezone))


def summary_messages(summary: PlanSummary, timezone: str) -> list[str]:
    """/summary as a few short messages: the areas, who has not reported, what is blocked."""
    quarter = quarter_label(summary.quarter)
    title = texts.SUMMARY_SCOPE_TITLE if summary.scope else texts.SUMMARY_TITLE
    lines = [
        title.format(
            scope=esc(summary.scope or ""),
            number=esc(summary.plan_number),
            year=summary.year,
            quarter=quarter,
            time=_as_of(summary, timezone),
        ),
        texts.SUMMARY_OVERALL.format(
            percent=summary.percent, done=summary.done, total=summary.total
        ),
    ]
    for area in (a for a in summary.areas if a.total):
        counts = " · ".join(
            f"{icon} {count}"
            for icon, count in (
                (texts.STATUS_ICONS[Status.DONE], area.done),
                (texts.STATUS_ICONS[Status.IN_PROGRESS], area.in_progress),
                (texts.STATUS_ICONS[Status.BLOCKED], area.blocked),
                (texts.STATUS_ICONS[Status.NOT_STARTED], area.not_started),
                (texts.NOT_REPORTED_ICON, area.not_reported),
            )
            if count
        )
        lines.append("")
        lines.append(
            texts.SUMMARY_AREA.format(
                number=area.number, name=esc(area.name), total=area.total, counts=counts
            )
        )
    lines += ["", texts.SUMMARY_LEGEND]
    messages = split_message("\n".join(lines))

    shares = {p.name: f"{p.reported}/{p.in_scope}" for p in summary.participation}
    if summary.missing_units or summary.missing_hamlets:
        missing = [texts.SUMMARY_MISSING_TITLE.format(quarter=quarter)]
        if summary.missing_units:
            missing.append(texts.SUMMARY_MISSING_UNITS.format(count=len(summary.missing_units)))
            missing += [f"• {esc(name)} ({shares[name]})" for name in summary.missing_units]
        if summary.missing_hamlets:
            missing.append(
                texts.SUMMARY_MISSING_HAMLETS.format(
                    count=len(summary.missing_hamlets),
                    names=esc(", ".join(f"{n} ({shares[n]})" for n in summary.missing_hamlets)),
                )
            )
        messages += split_message("\n".join(missing))
    else:
        messages.append(texts.SUMMARY_ALL_REPORTED.format(quarter=quarter))

    if summary.blocked:
        blocked = [texts.SUMMARY_BLOCKED_TITLE.format(count=len(summary.blocked))]
        blocked += [
            texts.SUMMARY_BLOCKED_ITEM.format(
                code=item.task_code,
                unit=esc(item.unit_name),
                note=esc(shorten(item.note, 200)),
            )
            for item in summary.blocked
        ]
        messages += split_message("\n".join(blocked))
    return messages


def task_lines(tasks: list[Task], latest: dict[int, Report]) -> list[str]:
    """Tasks grouped by area, one short line each with the unit's latest status."""
    lines: list[str] = []
    area = None
    for task in tasks:
        if task.area_number != area:
            area = task.area_number
            lines.append("")
        report = latest.get(task.id or 0)
        percent = f" — {report.percent}%" if report else ""
        lines.append(
            f"{task_icon(report)} <b>{task.code}</b> {esc(shorten(task.text, 48))}{percent}"
        )
    return lines


def task_state_line(item: TaskLine) -> str:
    """One task with its state icon and percent."""
    icon = texts.STATUS_ICONS[item.status] if item.status else texts.NOT_REPORTED_ICON
    return f"{icon} <b>{item.code}</b> {esc(shorten(item.text, 48))} — {item.percent}%"
