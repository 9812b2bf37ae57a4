"""What reading a plan file gave, beyond the plan: the rows it left out and why, the
headings it could not place in a PAPI area, the ones it placed by their number alone; and
those as the short Vietnamese lines the dry run shows (in chat and on the command line).
"""

from dataclasses import dataclass

from models.plan_data import PlanSpec
from models.plan_numbering import PAPI_AREAS

# Places listed for the rows skipped under one heading; more are counted.
_PLACES_SHOWN = 3


@dataclass(frozen=True)
class SkippedRow:
    """A task row not imported: under a closing section ("Tổ chức thực hiện") or a heading
    that names no PAPI area.
    """

    place: str  # "Bảng 1, dòng 12"
    text: str
    heading: str  # the heading as the file writes it, with its number
    closing: bool


@dataclass(frozen=True)
class AreaGuess:
    """A heading whose name says no area, placed by its number."""

    heading: str
    area: int


@dataclass(frozen=True)
class ImportReading:
    """A plan file as read: the plan, and what the dry run should show about the reading.

    Attributes:
        spec: the plan.
        skipped: task rows left out, with the heading they were under.
        unmapped: headings that name no PAPI area (their rows are in ``skipped``).
        guesses: headings placed by their number alone.
    """

    spec: PlanSpec
    skipped: tuple[SkippedRow, ...] = ()
    unmapped: tuple[str, ...] = ()
    guesses: tuple[AreaGuess, ...] = ()


def _places(places: list[str]) -> str:
    """Rows in one table named once: "Bảng 2, dòng 21, 22, 23… (5 dòng)"."""
    said: dict[str, list[str]] = {}
    for place in places:
        where, _, row = place.rpartition(", dòng ")
        said.setdefault(where, []).append(row)
    shown = "; ".join(
        f"{where}, dòng {', '.join(rows[:_PLACES_SHOWN])}"
        + ("…" if len(rows) > _PLACES_SHOWN else "")
        for where, rows in said.items()
    )
    return f"{shown} ({len(places)} dòng)" if len(places) > _PLACES_SHOWN else shown


def reading_lines(reading: ImportReading) -> list[str]:
    """One line per heading whose rows were left out, and per area guessed: what the office
    should check before importing. Empty when the file read cleanly.
    """
    lines = []
    by_heading: dict[str, list[SkippedRow]] = {}
    for row in reading.skipped:
        by_heading.setdefault(row.heading, []).append(row)
    for heading, rows in by_heading.items():
        places = _places([row.place for row in rows])
        if rows[0].closing:
            lines.append(f"Bỏ qua phần «{heading}» (không phải lĩnh vực PAPI): {places}.")
        else:
            lines.append(
                f"Đề mục «{heading}» không ứng với lĩnh vực PAPI nào, bỏ qua: {places}. "
                "Muốn nhập, hãy đặt tên đề mục theo lĩnh vực."
            )
    for guess in reading.guesses:
        lines.append(
            f"Đề mục «{guess.heading}» không nêu tên lĩnh vực: đoán là lĩnh vực {guess.area} "
            f"({PAPI_AREAS[guess.area]}) theo số thứ tự."
        )
    return lines
