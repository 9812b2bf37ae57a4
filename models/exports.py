"""Making an export file by name: the one entry the chat and the command line share."""

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import quarter_of
from models.errors import DomainError
from models.export_csv import export_csv
from models.export_data import check_period, gather_export
from models.export_docx import export_anticorruption_report, export_year_report
from models.export_xlsx import export_xlsx
from models.tables import Commune, Plan
from models.textfold import fold

FORMATS = ("xlsx", "csv", "docx", "pctn")
_WORDS = {
    "xlsx": "xlsx", "excel": "xlsx", "xls": "xlsx",
    "csv": "csv",
    "docx": "docx", "word": "docx", "doc": "docx", "bao cao": "docx",
    "pctn": "pctn", "tham nhung": "pctn", "phong chong tham nhung": "pctn",
}  # fmt: skip
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pctn": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ExportFile:
    """A generated file and the name to give it."""

    name: str
    content: bytes
    kind: str


def parse_format(text: str) -> str:
    """``"excel"``, ``"Word"``, ``"tham nhũng"``… → one of :data:`FORMATS`.

    Raises:
        DomainError: ``bad_format``.
    """
    kind = _WORDS.get(fold(text))
    if kind is None:
        raise DomainError("bad_format", text)
    return kind


async def make_export(
    session: AsyncSession,
    commune: Commune,
    plan: Plan,
    *,
    kind: str,
    now: datetime,
    period: str | None = None,
) -> ExportFile:
    """Build one export of ``plan``.

    Args:
        session: the open session.
        commune: the plan's commune.
        plan: the plan.
        kind: ``xlsx``, ``csv``, ``docx`` (the year-end report) or ``pctn`` (the quarterly
            anti-corruption report; its quarter is ``period`` or the current one).
        now: when (UTC).
        period: a quarter (``"2026Q4"``) to narrow the history to.

    Raises:
        DomainError: ``bad_format`` or ``bad_period``.
    """
    period = check_period(period)
    if period is not None and not period.startswith(str(plan.year)):
        raise DomainError("bad_period", period)  # a quarter of another year's plan
    number = plan.number.split("/")[0]
    if kind == "pctn":
        quarter = period or quarter_of(now, commune.timezone)
        data = await gather_export(session, commune, plan, now, quarter)
        # Writing a file takes long on a big plan: off the event loop, so no one waits on it.
        content = await asyncio.to_thread(export_anticorruption_report, data, quarter)
        return ExportFile(f"bao-cao-pctn-{quarter}.docx", content, kind)
    data = await gather_export(session, commune, plan, now, period)
    suffix = f"-{period}" if period else ""
    if kind == "xlsx":
        content = await asyncio.to_thread(export_xlsx, data)
        return ExportFile(f"ke-hoach-{number}-{plan.year}{suffix}.xlsx", content, kind)
    if kind == "csv":
        content = await asyncio.to_thread(export_csv, data)
        return ExportFile(f"ke-hoach-{number}-{plan.year}{suffix}.csv", content, kind)
    if kind == "docx":
        content = await asyncio.to_thread(export_year_report, data)
        return ExportFile(f"bao-cao-ket-qua-{number}-{plan.year}.docx", content, kind)
    raise DomainError("bad_format", kind)
