"""`hamlet-bot commune set KEY VALUE` and `hamlet-bot commune show`: the commune's profile
(models/commune_profile.py) on the command line; `commune add` and `commune list`, and the
commune a command works on (`--commune NAME`) when one database holds several.
"""

import sys
from collections.abc import Sequence
from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings
from models.audit import CLI
from models.clock import format_date, local, utc_now
from models.commune_profile import (
    KEYS,
    LIST_KEYS,
    SOURCE_DEFAULT,
    TEXT_KEYS,
    ProfileError,
    Stored,
    apply_config,
    parse_value,
    read_profile,
    set_value,
    shown,
    stored_layers,
)
from models.db import create_engine, session_factory, transaction
from models.errors import DomainError
from models.plan_loader import ensure_commune
from models.plans import current_plan
from models.tables import Commune, Member, Plan, Role
from models.textfold import fold

SHOW_HEAD = "Hồ sơ của {name} (đổi bằng: hamlet-bot commune set KHÓA GIÁ-TRỊ):"
SHOW_LINE = "  {key} = {value}  [{source}]"
SHOW_FOOT = (
    "Giá trị đặt bằng lệnh được ưu tiên, rồi đến [commune] trong tệp cấu hình, rồi mặc định. "
    'Xóa giá trị đã đặt: hamlet-bot commune set KHÓA ""'
)
SIGNER_DEFAULT = "Chủ tịch trên bot"
SIGNER_NONE = "(để trống, ký tay)"
SIGNER_NONE_SOURCE = "mặc định: chưa có Chủ tịch trên bot"
PLAN_DEFAULT = "theo kế hoạch năm {year}"
PLAN_NONE = "(chưa có kế hoạch)"
SET_DONE = "Đã đặt {key} = {value}."
CLEARED = "Đã xóa giá trị đặt bằng lệnh của {key}: nay là {value} [{source}]."


async def settled_commune(session: AsyncSession, settings: Settings) -> Commune:
    """The commune of the settings, its profile's config layer brought up to date with the
    config file (every command and the bot's start go through here).
    """
    commune = await ensure_commune(
        session, settings.commune.name, settings.commune.timezone, settings.commune.hamlets
    )
    await apply_config(session, commune, settings.commune.profile, now=utc_now())
    return commune


async def commune_set(settings: Settings, key: str, given: Sequence[str]) -> int:
    """Set one key of the profile (an empty value clears it). A bad key or value changes
    nothing and exits 2.
    """
    try:
        value = parse_value(key, given)
    except ProfileError as error:
        print(f"hamlet-bot: {error}", file=sys.stderr)
        return 2
    key = key.strip().lower().replace("-", "_")
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await settled_commune(session, settings)
            await set_value(session, commune, key, value, actor=CLI, now=utc_now())
            lines = await _lines(session, commune, settings)
    finally:
        await engine.dispose()
    if value is not None:
        print(SET_DONE.format(key=key, value=shown(key, value)))
    else:
        now_value, source = lines[key]
        print(CLEARED.format(key=key, value=now_value, source=source))
    return 0


async def commune_show(settings: Settings) -> int:
    """Print each key of the profile, its value and where the value comes from."""
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await settled_commune(session, settings)
            lines = await _lines(session, commune, settings)
            name = (await read_profile(session, commune)).display_name
    finally:
        await engine.dispose()
    print(SHOW_HEAD.format(name=name))
    for key in KEYS:
        value, source = lines[key]
        print(SHOW_LINE.format(key=key, value=value, source=source))
    print(SHOW_FOOT)
    return 0


async def _lines(
    session: AsyncSession, commune: Commune, settings: Settings
) -> dict[str, tuple[str, str]]:
    """Each key's value as shown, and its source."""
    profile = await read_profile(session, commune)
    set_values, config_values = await stored_layers(session, commune)
    layered: dict[str, Stored] = {**config_values, **set_values}
    lines: dict[str, tuple[str, str]] = {}
    for key in KEYS:
        source = profile.sources.get(key, SOURCE_DEFAULT)
        if key in layered:
            lines[key] = (shown(key, layered[key]), source)
        elif key in TEXT_KEYS or key in LIST_KEYS:
            lines[key] = (shown(key, _default_value(profile, key)), source)
    if "signer_name" not in layered:
        chairman = await _chairman(session, commune)
        lines["signer_name"] = (
            (chairman, f"{SOURCE_DEFAULT}: {SIGNER_DEFAULT}")
            if chairman
            else (SIGNER_NONE, SIGNER_NONE_SOURCE)
        )
    year = local(utc_now(), settings.commune.timezone).year
    try:
        plan: Plan | None = await current_plan(session, commune, year)
    except DomainError:  # no plan loaded yet
        plan = None
    for key in ("plan_number", "plan_date"):
        if key in layered:
            continue
        if plan is None:
            lines[key] = (PLAN_NONE, SOURCE_DEFAULT)
            continue
        value = plan.number if key == "plan_number" else _plan_day(plan.issued)
        lines[key] = (value, f"{SOURCE_DEFAULT}: {PLAN_DEFAULT.format(year=plan.year)}")
    return lines


def _default_value(profile: object, key: str) -> Stored:
    value = getattr(profile, key)
    if isinstance(value, tuple):
        return list(value)
    return "" if value is None else str(value)


def _plan_day(day: object) -> str:
    return format_date(day) if isinstance(day, date) else PLAN_NONE


async def _chairman(session: AsyncSession, commune: Commune) -> str:
    statement = (
        select(Member)
        .where(Member.commune_id == commune.id, Member.role == Role.CHAIRMAN)
        .order_by(col(Member.created_at).desc(), col(Member.id).desc())
    )
    chairman = (await session.exec(statement)).first()
    return chairman.name if chairman else ""


# --- Several communes in one database (issue 12) ---------------------------------------------

ADD_DONE = 'Đã thêm xã {name}{province}. Nạp kế hoạch cho xã: hamlet-bot init --commune "{name}"'
ADD_EXISTS = "đã có xã «{name}» (the commune exists)"
LIST_LINE = "{name}{province} — {members} thành viên — kế hoạch: {plans}"
UNKNOWN_COMMUNE = (
    "không có xã «{name}» (no such commune). Các xã: {names}. Chọn bằng --commune TÊN."
)
SEVERAL_COMMUNES = (
    "cơ sở dữ liệu có {count} xã (several communes): {names}. "
    "Chọn một xã bằng --commune TÊN (không cần dấu)."
)


class CommuneChoiceError(Exception):
    """The command names no commune of the database, or must name one and does not; the
    message (Vietnamese, English in brackets) lists the communes.
    """


async def chosen_commune(session: AsyncSession, settings: Settings, name: str | None) -> Commune:
    """The commune a command works on: the one ``--commune`` names (diacritics and case do
    not matter); without it, the only commune of the database, or the configured one on a
    database with none yet (the README's quick start).

    Raises:
        CommuneChoiceError: no commune has that name, or several communes and no name.
    """
    communes = list(await session.exec(select(Commune).order_by(col(Commune.id))))
    if name is not None:
        found = [c for c in communes if fold(c.name) == fold(name)]
        if not found:
            raise CommuneChoiceError(UNKNOWN_COMMUNE.format(name=name, names=_names(communes)))
        if found[0].name != settings.commune.name:
            return found[0]
    elif len(communes) > 1:
        names = _names(communes)
        raise CommuneChoiceError(SEVERAL_COMMUNES.format(count=len(communes), names=names))
    elif communes and communes[0].name != settings.commune.name:
        return communes[0]
    return await settled_commune(session, settings)


async def commune_add(
    settings: Settings, name: str, province: str | None, hamlets: str | None
) -> int:
    """Add a commune to the database (its plan comes with `init --commune NAME`)."""
    name = " ".join(name.split())
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            communes = list(await session.exec(select(Commune)))
            same = [c for c in communes if fold(c.name) == fold(name)]
            if not name or same:
                shown_name = same[0].name if same else name
                print(f"hamlet-bot: {ADD_EXISTS.format(name=shown_name)}", file=sys.stderr)
                return 2
            names = [h.strip() for h in (hamlets or "").split(";") if h.strip()]
            commune = await ensure_commune(session, name, settings.commune.timezone, names)
            commune.province = " ".join(province.split()) if province else None
    finally:
        await engine.dispose()
    print(ADD_DONE.format(name=name, province=_province(commune)))
    return 0


async def commune_list(settings: Settings) -> int:
    """Each commune of the database: its province, members and plans' years."""
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            communes = list(await session.exec(select(Commune).order_by(col(Commune.name))))
            members = dict(
                (
                    await session.exec(
                        select(Member.commune_id, func.count()).group_by(col(Member.commune_id))
                    )
                ).all()
            )
            years: dict[int, list[int]] = {}
            for plan in await session.exec(select(Plan).order_by(col(Plan.year))):
                years.setdefault(plan.commune_id, []).append(plan.year)
    finally:
        await engine.dispose()
    for commune in communes:
        plans = ", ".join(map(str, years.get(commune.id or 0, []))) or PLAN_NONE
        print(
            LIST_LINE.format(
                name=commune.name,
                province=_province(commune),
                members=members.get(commune.id or 0, 0),
                plans=plans,
            )
        )
    return 0


def _names(communes: Sequence[Commune]) -> str:
    return ", ".join(c.name for c in communes) or "(chưa có)"


def _province(commune: Commune) -> str:
    """The province after the name, as « (tỉnh An Giang)»; empty when it has none."""
    if not commune.province:
        return ""
    named = commune.province
    if not fold(named).startswith(("tinh ", "thanh pho ")):
        named = f"tỉnh {named}"
    return f" ({named})"
