"""`hamlet-bot commune set KEY VALUE` and `hamlet-bot commune show`: the commune's profile
(models/commune_profile.py) on the command line.
"""

import sys
from collections.abc import Sequence
from datetime import date

from sqlmodel import col, select
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
