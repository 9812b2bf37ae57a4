"""The commune's profile: what its documents and reminders say about it.

Its display name and the place on its documents, the body it reports to, who receives the
year report and the anti-corruption report, who signs, and the plan's number and date as
the documents cite them.

Where a value comes from, first found wins:

1. ``hamlet-bot commune set KEY VALUE`` (stored in the database; an empty VALUE clears it);
2. the config file's ``[commune]`` section, copied into the database at each start, so the
   bot, the command line and an export's worker process all read one place;
3. the default: the seed plan's values, corrected for the two-level local government in
   force since 1 July 2025 (no city or district level above a commune in An Giang). The plan
   number and date default to the plan's own, the signer to the chairman on the bot.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import SYSTEM, Actor, record_change
from models.clock import format_date
from models.tables import Commune, CommuneProfile
from models.textfold import fold

# The keys, in the order `commune show` lists them.
TEXT_KEYS = ("display_name", "place_name", "reports_to", "signer_title", "signer_name")
LIST_KEYS = ("year_report_recipients", "anti_corruption_recipients")
KEYS = (
    "display_name",
    "place_name",
    "reports_to",
    "year_report_recipients",
    "anti_corruption_recipients",
    "signer_title",
    "signer_name",
    "plan_number",
    "plan_date",
)
DEFAULT_REPORTS_TO = "UBND tỉnh An Giang"
DEFAULT_SIGNER_TITLE = "Chủ tịch"
# The office's own copy: the last line of every list of recipients (Nghị định 30).
FILE_COPY = "Lưu: VT"
# A stored value: text, a list of recipients, or a date as ISO text.
Stored = str | list[str]

MAX_TEXT = 200
# The kinds of commune-level unit, as a display name starts (folded), and their words.
_KINDS = (("xa ", 1), ("phuong ", 1), ("dac khu ", 2), ("thi tran ", 2))
MAX_RECIPIENTS = 12
_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

# Where a value comes from, as `commune show` says it.
SOURCE_SET = "đặt bằng lệnh"
SOURCE_CONFIG = "tệp cấu hình"
SOURCE_DEFAULT = "mặc định"


class ProfileError(ValueError):
    """A key that is not a profile key, or a value it cannot take. ``reason`` is
    ``unknown_key`` or ``bad_value``; the message says what is wrong, in Vietnamese.
    """

    def __init__(self, reason: str, key: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.key = key


@dataclass(frozen=True)
class Profile:
    """The profile as the documents use it: plain data, so it crosses to a worker process.

    ``signer_name``, ``plan_number`` and ``plan_date`` are None when not given: the
    documents then take the chairman on the bot and the plan's own number and date.
    """

    display_name: str
    place_name: str
    reports_to: str
    year_report_recipients: tuple[str, ...]
    anti_corruption_recipients: tuple[str, ...]
    signer_title: str
    signer_name: str | None = None
    plan_number: str | None = None
    plan_date: date | None = None
    # Each key's source: SOURCE_SET, SOURCE_CONFIG or SOURCE_DEFAULT.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def province(self) -> str:
        """The province the commune reports to, as a sentence names it: "tỉnh An Giang"."""
        return province_of(self.reports_to)

    @property
    def kind(self) -> str:
        """What the commune is, as a sentence names it after "Ủy ban nhân dân": "xã", or
        "phường", "đặc khu", "thị trấn" when its display name says so.
        """
        return kind_of(self.display_name) or "xã"

    @property
    def anti_corruption_to(self) -> str:
        """Who the anti-corruption report goes to, in a sentence: "Thanh tra tỉnh An Giang"."""
        return joined(without_file_copy(self.anti_corruption_recipients))


def kind_of(display_name: str) -> str | None:
    """The kind of commune a display name starts with ("xã", "phường"…), or None."""
    words, folded = display_name.split(), fold(display_name)
    for start, count in _KINDS:
        if folded.startswith(start):
            return " ".join(words[:count]).lower()
    return None


def province_of(reports_to: str) -> str:
    """The body a commune reports to without its "UBND" / "Ủy ban nhân dân": the province
    ("tỉnh An Giang"), or the body as given when it is not a people's committee.
    """
    words, folded = reports_to.split(), fold(reports_to)
    for prefix, count in (("ubnd ", 1), ("uy ban nhan dan ", 4)):
        if folded.startswith(prefix) and len(words) > count:
            return " ".join(words[count:])
    return reports_to


def default_profile(commune_name: str) -> Profile:
    """The defaults for a commune named ``commune_name``."""
    return resolve(commune_name, {}, {})


def resolve(
    commune_name: str, set_values: Mapping[str, Any], config_values: Mapping[str, Any]
) -> Profile:
    """The profile from its two stored layers, each key from the first that has it."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in KEYS:
        for layer, source in ((set_values, SOURCE_SET), (config_values, SOURCE_CONFIG)):
            if layer.get(key) not in (None, "", []):
                values[key], sources[key] = layer[key], source
                break
        else:
            sources[key] = SOURCE_DEFAULT
    reports_to = values.get("reports_to", DEFAULT_REPORTS_TO)
    province = province_of(reports_to)
    plan_date = values.get("plan_date")
    return Profile(
        display_name=values.get("display_name", f"xã {commune_name}"),
        place_name=values.get("place_name", commune_name),
        reports_to=reports_to,
        year_report_recipients=tuple(
            values.get("year_report_recipients", (reports_to, f"Sở Nội vụ {province}"))
        ),
        anti_corruption_recipients=tuple(
            values.get("anti_corruption_recipients", (f"Thanh tra {province}",))
        ),
        signer_title=values.get("signer_title", DEFAULT_SIGNER_TITLE),
        signer_name=values.get("signer_name"),
        plan_number=values.get("plan_number"),
        plan_date=date.fromisoformat(plan_date) if plan_date else None,
        sources=sources,
    )


# --- Checking what a person gives -----------------------------------------------------------
def check_key(key: str) -> str:
    """``key`` if it is a profile key.

    Raises:
        ProfileError: ``unknown_key``, naming the valid keys.
    """
    wanted = key.strip().lower().replace("-", "_")
    if wanted not in KEYS:
        raise ProfileError(
            "unknown_key", key, f"không có khóa «{key}». Các khóa: {', '.join(KEYS)}."
        )
    return wanted


def parse_value(key: str, given: Sequence[str]) -> Stored | None:
    """The value to store for ``key`` from the words given on the command line (several for
    a list, or one with ";" between the items). Nothing, or only blanks: None, which clears
    the value (back to the config's or the default).

    Raises:
        ProfileError: ``unknown_key``; ``bad_value`` saying what the value must be.
    """
    key = check_key(key)
    if not any(part.strip() for part in given):
        return None
    if key in LIST_KEYS:
        return _recipients(key, given)
    text = " ".join(" ".join(given).split())
    if key == "plan_date":
        return _day(key, text).isoformat()
    if len(text) > MAX_TEXT:
        raise ProfileError("bad_value", key, f"{key} dài quá (tối đa {MAX_TEXT} ký tự).")
    if key == "display_name" and kind_of(text) is None:
        # The documents print it after "Ủy ban nhân dân" and, in capitals, as the issuer.
        raise ProfileError(
            "bad_value",
            key,
            f"{key} cần bắt đầu bằng «xã», «phường» hoặc «đặc khu», ví dụ: xã Mỹ Hòa Hưng.",
        )
    return text


def config_value(key: str, raw: object) -> Stored:
    """A value of the config file's [commune] section, checked like a typed one (a list of
    recipients may be a TOML list or one string; a date a TOML date or "30/6/2023").

    Raises:
        ProfileError: ``bad_value``.
    """
    if key == "plan_date" and isinstance(raw, date) and not isinstance(raw, datetime):
        return raw.isoformat()
    if isinstance(raw, list) and key in LIST_KEYS and all(isinstance(r, str) for r in raw):
        parts: list[str] = raw
    elif isinstance(raw, str):
        parts = [raw]
    else:
        what = "một danh sách tên" if key in LIST_KEYS else "một chuỗi chữ"
        raise ProfileError("bad_value", key, f"{key} phải là {what}.")
    value = parse_value(key, parts)
    if value is None:
        raise ProfileError("bad_value", key, f"{key} không được để trống.")
    return value


def _recipients(key: str, given: Sequence[str]) -> list[str]:
    items: list[str] = []
    for part in given:
        for item in part.split(";"):
            # "- UBND tỉnh An Giang;" as the document prints it is taken as typed.
            item = " ".join(item.split()).lstrip("-–• ").rstrip(" .;,")
            if item:
                items.append(item)
    if not items or len(items) > MAX_RECIPIENTS or any(len(i) > MAX_TEXT for i in items):
        raise ProfileError(
            "bad_value",
            key,
            f"{key} cần từ 1 đến {MAX_RECIPIENTS} tên, cách nhau bằng «;» "
            f'(ví dụ: "UBND tỉnh An Giang; Sở Nội vụ tỉnh An Giang").',
        )
    return items


def _day(key: str, text: str) -> date:
    match = _DAY.match(text)
    try:
        if match is None:
            raise ValueError(text)
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    except ValueError:
        raise ProfileError(
            "bad_value", key, f"{key} phải là một ngày dạng ngày/tháng/năm, ví dụ 30/06/2023."
        ) from None


# --- Words ----------------------------------------------------------------------------------
def without_file_copy(recipients: Sequence[str]) -> list[str]:
    """The recipients other than the office's own copy ("Lưu: VT")."""
    return [r for r in recipients if not fold(r).startswith("luu")]


def recipient_lines(recipients: Sequence[str]) -> list[str]:
    """The "Nơi nhận" lines: "- X;" each, the office's copy last, the last ending in "."."""
    items = without_file_copy(recipients)
    items.append(next((r for r in recipients if fold(r).startswith("luu")), FILE_COPY))
    return [f"- {item}{'.' if n == len(items) - 1 else ';'}" for n, item in enumerate(items)]


def joined(names: Sequence[str]) -> str:
    """Names in a sentence: "A", "A và B", "A, B và C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} và {names[-1]}"


def shown(key: str, value: Stored) -> str:
    """A stored value as `commune show` prints it."""
    if isinstance(value, list):
        return "; ".join(value)
    if key == "plan_date":
        return format_date(date.fromisoformat(value))
    return value


# --- The database ---------------------------------------------------------------------------
async def read_profile(session: AsyncSession, commune: Commune) -> Profile:
    """The commune's profile (the defaults while nothing is stored)."""
    row = await _row(session, commune)
    if row is None:
        return resolve(commune.name, {}, {})
    return resolve(commune.name, _load(row.set_values), _load(row.config_values))


async def stored_layers(
    session: AsyncSession, commune: Commune
) -> tuple[dict[str, Stored], dict[str, Stored]]:
    """The values set with `commune set`, and those the config gave."""
    row = await _row(session, commune)
    if row is None:
        return {}, {}
    return _load(row.set_values), _load(row.config_values)


async def apply_config(
    session: AsyncSession, commune: Commune, values: Mapping[str, Stored], *, now: datetime
) -> bool:
    """Store the config file's [commune] profile values (checked by the settings) as the
    config layer, in place of those of the last start. Audited when they change.

    Returns:
        Whether they changed.
    """
    row = await _row(session, commune)
    before = _load(row.config_values) if row else {}
    after = {key: values[key] for key in KEYS if key in values}
    if before == after:
        return False
    if row is None:
        row = CommuneProfile(commune_id=commune.id or 0)
    row.config_values = _dump(after)
    session.add(row)
    await record_change(
        session, actor=SYSTEM, action="commune_profile.config", object_type="commune",
        object_id=commune.id, at=now, commune_id=commune.id, before=before, after=after,
    )  # fmt: skip
    await session.flush()
    return True


async def set_value(
    session: AsyncSession,
    commune: Commune,
    key: str,
    value: Stored | None,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Set ``key`` (checked with :func:`parse_value`) or, with None, clear it. Audited."""
    key = check_key(key)
    row = await _row(session, commune) or CommuneProfile(commune_id=commune.id or 0)
    values = _load(row.set_values)
    before = {key: values.get(key)}
    if value is None:
        values.pop(key, None)
    else:
        values[key] = value
    row.set_values = _dump(values)
    session.add(row)
    await record_change(
        session, actor=actor, action="commune_profile.set", object_type="commune",
        object_id=commune.id, at=now, commune_id=commune.id, before=before,
        after={key: value},
    )  # fmt: skip
    await session.flush()


async def _row(session: AsyncSession, commune: Commune) -> CommuneProfile | None:
    statement = select(CommuneProfile).where(CommuneProfile.commune_id == commune.id)
    return (await session.exec(statement)).first()


def _load(text: str | None) -> dict[str, Stored]:
    """A stored layer; a key no longer known (or a value of the wrong shape) is ignored."""
    try:
        values = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(values, dict):
        return {}
    return {
        key: value
        for key, value in values.items()
        if key in KEYS
        and isinstance(value, list if key in LIST_KEYS else str)
        and (key != "plan_date" or _is_iso_day(value))
    }


def _is_iso_day(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _dump(values: Mapping[str, Stored]) -> str:
    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True)
