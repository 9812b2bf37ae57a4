"""The headings of a plan's task table, and which PAPI area each groups.

Plans number their headings in every way: parts A and B (each restarting at I), Roman
numerals, 1., 1.1., 1.1.1., a). How deep a heading is comes from the order its numbering
style first appears in (the first style seen is the top level, a new style goes one deeper,
a style seen before goes back to its level), so any depth and any mix reads.

Which of the eight PAPI areas a heading is comes from its name, not its number: the six-area
plans before 2018 and the eight-area plans since number the same areas alike, but a plan in
parts, or one with a section of its own first, does not. A heading whose name says nothing
falls back to its number (1-8), marked as a guess. A closing section ("Tổ chức thực hiện",
"Kinh phí") is not an area. Pure: no file here.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.textfold import fold

# The eight areas of the PAPI index (since 2018; the six before are its first six).
PAPI_AREAS: dict[int, str] = {
    1: "Tham gia của người dân ở cấp cơ sở",
    2: "Công khai, minh bạch trong việc ra quyết định ở địa phương",
    3: "Trách nhiệm giải trình với người dân",
    4: "Kiểm soát tham nhũng trong khu vực công",
    5: "Thủ tục hành chính công",
    6: "Cung ứng dịch vụ công",
    7: "Quản trị môi trường",
    8: "Quản trị điện tử",
}
# Folded phrases that name an area. The longest phrase found wins ("dịch vụ công trực
# tuyến" is e-government, not public services); a tie goes to the one said first.
_AREA_PHRASES: dict[int, tuple[str, ...]] = {
    1: (
        "tham gia cua nguoi dan",
        "nguoi dan tham gia",
        "su tham gia",
        "dan chu o co so",
        "dan chu co so",
        "quy che dan chu",
        "tham gia",
    ),
    2: ("cong khai minh bach", "cong khai", "minh bach"),
    3: ("trach nhiem giai trinh", "giai trinh", "tiep cong dan", "doi thoai"),
    4: (
        "kiem soat tham nhung",
        "phong chong tham nhung",
        "phong ngua tham nhung",
        "tham nhung",
        "pctn",
    ),
    5: ("thu tuc hanh chinh", "tthc", "mot cua"),
    6: ("cung ung dich vu cong", "dich vu cong", "dich vu y te", "giao duc tieu hoc"),
    7: ("quan tri moi truong", "bao ve moi truong", "moi truong"),
    8: (
        "quan tri dien tu",
        "chinh quyen dien tu",
        "chinh quyen so",
        "chuyen doi so",
        "dich vu cong truc tuyen",
        "cong nghe thong tin",
        "cntt",
        "dien tu",
    ),
}
# "Lĩnh vực 3", "Nội dung 3", "Chỉ số nội dung thành phần 3", "Trục nội dung 3": the name
# itself says which area.
_AREA_BY_NUMBER = re.compile(r"\b(?:linh vuc|noi dung|chi so|truc)(?: thanh phan)? ([1-8])\b")
# Sections of a plan that hold no area's tasks.
_CLOSING = (
    "to chuc thuc hien",
    "kinh phi",
    "nguon kinh phi",
    "che do bao cao",
    "che do thong tin bao cao",
    "muc dich yeu cau",
    "muc dich",
    "yeu cau",
    "can cu",
    "phan cong nhiem vu",
    "phan cong trach nhiem",
    "khen thuong",
    "dieu khoan thi hanh",
)


def papi_area(name: str) -> int | None:
    """The PAPI area a heading's name says, if it says one."""
    folded = fold(name)
    numbered = _AREA_BY_NUMBER.search(folded)
    if numbered:
        return int(numbered.group(1))
    padded = f" {folded} "
    best: tuple[int, int, int] | None = None  # (-words, position, area)
    for area, phrases in _AREA_PHRASES.items():
        for phrase in phrases:
            at = padded.find(f" {phrase} ")
            if at >= 0:
                candidate = (-len(phrase.split()), at, area)
                if best is None or candidate < best:
                    best = candidate
    return best[2] if best else None


def is_closing(name: str) -> bool:
    """Whether a heading is a plan's closing (or opening) section, not an area."""
    folded = fold(name)
    return any(folded == phrase or folded.startswith(phrase + " ") for phrase in _CLOSING)


# -- numbering --------------------------------------------------------------------------------

_ROMAN = {"i": 1, "v": 5, "x": 10}
_LABEL = (
    r"(?:(?P<part>ph[aầ]n\s+(?:th[uứ]\s+)?(?:[IVX]{1,5}|[A-H]|\d{1,2}|\w+))"
    r"|(?P<dotted>\d{1,2}(?:\.\d{1,2}){1,4})"
    r"|(?P<roman>[IVX]{1,5})"
    r"|(?P<arabic>\d{1,2})"
    r"|(?P<upper>[A-H])"
    r"|(?P<lower>[a-zđ]))"
)
# A numbering cell (TT): "I", "1.", "1.1", "a)", "Phần A".
_CELL_LABEL = re.compile(_LABEL + r"\s*[.):/-]?", re.IGNORECASE)
# A numbered heading written in one cell: "I. Tên", "1.1 Tên", "a) Tên", "PHẦN B: Tên".
_INLINE_LABEL = re.compile(_LABEL + r"(?P<mark>\s*[.):/-]|\s)\s*(?P<name>\S.*)", re.IGNORECASE)


@dataclass(frozen=True)
class Label:
    """A heading's numbering: its style (what level it is) and its number."""

    style: str
    number: int | None
    text: str


def _label(match: re.Match[str]) -> Label:
    text = match.group(0).strip()
    if match.group("part"):
        return Label("part", None, text)
    if match.group("dotted"):
        parts = match.group("dotted").split(".")
        return Label(f"dotted{len(parts)}", int(parts[-1]), text)
    if roman := match.group("roman"):
        # "i)", "ii)" number sub-items: another level than "I.", "II.".
        style = "roman" if roman.isupper() else "small roman"
        return Label(style, roman_number(roman), text)
    if match.group("arabic"):
        return Label("arabic", int(match.group("arabic")), text)
    # "A" to "H" in capitals number parts; a small letter numbers sub-items.
    if (upper := match.group("upper")) and upper.isupper():
        return Label("upper", ord(upper) - ord("A") + 1, text)
    return Label("lower", None, text)


def roman_number(text: str) -> int:
    """A Roman numeral's value: "IV" is 4."""
    numerals = [_ROMAN[ch] for ch in text.lower()]
    return sum(
        -value if value < after else value
        for value, after in zip(numerals, [*numerals[1:], 0], strict=True)
    )


def cell_label(text: str) -> Label | None:
    """The numbering in a TT cell, if the cell is only that."""
    match = _CELL_LABEL.fullmatch(text.strip())
    return _label(match) if match else None


def inline_label(text: str) -> tuple[Label, str] | None:
    """A heading numbered in its own text ("I. Tên", "1.1. Tên", "Phần A: Tên"), split."""
    match = _INLINE_LABEL.fullmatch(text.strip())
    if match is None:
        return None
    plain = not match.group("mark").strip()
    if plain and not (match.group("dotted") or match.group("part")):
        return None  # "2 ấp", "A Lưới": only 1.1 and Phần may go without a mark
    label = _label(match)
    if label.style in ("lower", "small roman") and match.group("mark").strip() not in (")", "."):
        return None
    return Label(label.style, label.number, text[: match.start("name")].strip()), match["name"]


# "Lĩnh vực 1: …", "Nội dung 2 - …", "Chỉ số nội dung thành phần 3": a heading named by
# its area's number, with nothing in TT.
_NAMED_BY_NUMBER = re.compile(
    r"(?:lĩnh vực|nội dung|chỉ số(?: nội dung)?(?: thành phần)?|trục(?: nội dung)?)\s+"
    r"(?:thứ\s+)?(\d{1,2}|[IVX]{1,4})\b",
    re.IGNORECASE,
)


def unnumbered_heading(text: str) -> Label | None:
    """The heading a row with only a text is, if it is one: named by an area's number
    ("Lĩnh vực 1: Tham gia…"), or written in capitals ("CÔNG KHAI, MINH BẠCH"); the two are
    one level. A task is neither; a row with text only and no number is otherwise a task
    missing its units.
    """
    named = _NAMED_BY_NUMBER.match(text)
    if named:
        number = named.group(1)
        value = int(number) if number.isdigit() else roman_number(number)
        return Label("unnumbered", value, "")
    letters = [ch for ch in text if ch.isalpha()]
    if len(text.split()) >= 2 and letters and all(ch.isupper() for ch in letters):
        return Label("unnumbered", None, "")
    return None


# -- headings and the tasks under them --------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A heading row of the table."""

    label: Label
    name: str
    # Where it is, as the messages name it ("Bảng 1, dòng 4").
    place: str = ""


@dataclass(frozen=True)
class Placement:
    """Where a task row goes: its area (None: skipped), and why."""

    area: int | None
    # "area" (by the heading's name), "guess" (by its number), "closing" (a section that
    # holds no area), "unmapped" (a heading that names no area), "no_heading".
    how: str
    heading: Heading | None


@dataclass(frozen=True)
class Outline:
    """Each task's placement, in order; the area each mapped heading gave its name to."""

    placements: tuple[Placement, ...]
    # The first heading of each area, by area number (the area's name in the plan).
    area_headings: dict[int, Heading]
    guesses: tuple[tuple[Heading, int], ...]
    # Headings inside a closing section, with the section's heading.
    closing_rows: tuple[tuple[Heading, Heading], ...] = ()


def place_tasks(items: Sequence[Heading | None]) -> Outline:
    """Place the task rows of a table among its headings.

    Args:
        items: the table's headings and task rows in order (None for each task row).

    Returns:
        For each task row, its area: the area named by the highest heading above it that
        names one (a sub-heading does not move a task to another area); a closing section
        above it skips it. A top heading naming nothing is read by its number, if no other
        heading named that area, as a guess.
    """
    levels = _levels([item for item in items if item is not None])
    chains: list[tuple[Heading, ...]] = []
    headings: list[Heading] = []
    heading_chains: list[tuple[Heading, ...]] = []
    chain: list[Heading] = []
    for item in items:
        if item is None:
            chains.append(tuple(chain))
            continue
        level = levels[item.label.style]
        chain = [h for h in chain if levels[h.label.style] < level] + [item]
        headings.append(item)
        heading_chains.append(tuple(chain))
    named = {h: area for h in _unique(items) if (area := papi_area(h.name)) is not None}
    guessed = _guesses(chains, levels, named)
    placements = []
    area_headings: dict[int, Heading] = {}
    for task_chain in chains:
        placement = _place(task_chain, named, guessed)
        placements.append(placement)
        if placement.area is not None and placement.heading is not None:
            area_headings.setdefault(placement.area, placement.heading)
    # A closing section's own numbered items ("1. Các sở, ngành…") read as sub-headings:
    # they are its rows, left out like its tasks.
    closing_rows = []
    for heading, heading_chain in zip(headings, heading_chains, strict=True):
        placement = _place(heading_chain, named, guessed)
        if placement.how == "closing" and placement.heading is not heading:
            assert placement.heading is not None
            closing_rows.append((heading, placement.heading))
    return Outline(
        tuple(placements),
        area_headings,
        tuple((heading, area) for heading, area in guessed.items()),
        tuple(closing_rows),
    )


def _unique(items: Sequence[Heading | None]) -> list[Heading]:
    seen: dict[int, Heading] = {}
    for item in items:
        if item is not None:
            seen.setdefault(id(item), item)
    return list(seen.values())


def _levels(headings: Sequence[Heading]) -> dict[str, int]:
    """Each numbering style's depth, from the order styles first appear in."""
    stack: list[str] = []
    depth: dict[str, int] = {}
    for heading in headings:
        style = heading.label.style
        if style in stack:
            del stack[stack.index(style) + 1 :]
        else:
            stack.append(style)
            depth.setdefault(style, len(stack) - 1)
    return depth


def _guesses(
    chains: Sequence[tuple[Heading, ...]], levels: dict[str, int], named: dict[Heading, int]
) -> dict[Heading, int]:
    """Headings read by their number: at the area level, naming nothing, numbered 1-8 in
    a numbering of areas (Roman or Arabic) that the named areas follow too, the area not
    named by another heading.
    """
    with_tasks = {h for chain in chains for h in chain}
    numbered = {
        h
        for h in with_tasks
        if h.label.style in ("roman", "arabic") and h.label.number in PAPI_AREAS
    }
    named_levels = [levels[h.label.style] for h in named]
    if named_levels:
        area_level = min(named_levels)
    elif numbered:
        area_level = min(levels[h.label.style] for h in numbered)
    else:
        return {}
    taken = set(named.values())
    # Numbers mean areas only in a plan that numbers its named areas as PAPI does: where
    # "I" is "Cung ứng dịch vụ công", a "II" naming nothing is not area 2.
    if any(
        h.label.number != area for h, area in named.items() if levels[h.label.style] == area_level
    ):
        return {}
    guesses: dict[Heading, int] = {}
    for chain in chains:
        for heading in chain:
            number = heading.label.number
            if (
                heading in numbered
                and levels[heading.label.style] == area_level
                and heading not in named
                and not is_closing(heading.name)
                and number is not None
                and number not in taken
            ):
                guesses.setdefault(heading, number)
    return guesses


def _place(
    chain: tuple[Heading, ...], named: dict[Heading, int], guessed: dict[Heading, int]
) -> Placement:
    if not chain:
        return Placement(None, "no_heading", None)
    for heading in chain:
        if heading in named:
            return Placement(named[heading], "area", heading)
        if is_closing(heading.name):
            return Placement(None, "closing", heading)
        if heading in guessed:
            return Placement(guessed[heading], "guess", heading)
    return Placement(None, "unmapped", _nearest_unmapped(chain))


def _nearest_unmapped(chain: tuple[Heading, ...]) -> Heading:
    """The heading to name for tasks no heading maps: the highest numbered one below a
    part (a part is a container, its sections are what failed to map).
    """
    below_parts = [h for h in chain if h.label.style not in ("part", "upper")]
    return below_parts[0] if below_parts else chain[-1]
