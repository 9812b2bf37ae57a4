"""`hamlet-bot unit list|rename|merge|alias`: the commune's units on the command line, as
/donvi has them in chat (models/unit_admin.py). Errors go to stderr in Vietnamese, exit 2,
nothing changed.
"""

import argparse
import sys
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commune_cli import settled_commune
from bot.settings import Settings
from models.audit import CLI
from models.clock import local, utc_now
from models.db import create_engine, session_factory, transaction
from models.errors import DomainError
from models.plan_data import read_plan_file
from models.plan_loader import load_plan
from models.tables import Commune, Plan, UnitKind
from models.unit_admin import add_alias, list_units, merge_units, rename_unit

_ERRORS = {
    "unknown_unit": "không tìm thấy đơn vị hoặc ấp «{name}»{hint}",
    "bad_unit_name": "tên đơn vị cần từ 1 đến 120 ký tự",
    "name_taken": "«{new}» đã là tên của «{detail}»",
    "same_name": "đơn vị đã mang tên «{detail}»",
    "same_unit": "hai tên này cùng chỉ một đơn vị: «{detail}»",
    "kinds_differ": "không gộp được ấp với đơn vị («{detail}» khác loại)",
    "hamlet_in_settings": "«{detail}» là ấp trong [commune] hamlets của config.toml: đổi tên ở đó",
    "both_reported": (
        "không gộp được: cả hai đơn vị đã báo cáo nhiệm vụ {detail}, báo cáo của hai bên "
        "không ghép được làm một"
    ),
}


def add_unit_parser(commands: Any) -> None:
    """Add ``unit`` and its subcommands to the ``hamlet-bot`` parser."""
    unit = commands.add_parser("unit", help="the commune's units: list, rename, merge, alias")
    unit_commands = unit.add_subparsers(dest="unit_command", required=True)
    unit_commands.add_parser("list", help="the units, then the hamlets, with their members")
    rename = unit_commands.add_parser("rename", help="rename a unit (the old name still works)")
    rename.add_argument("old")
    rename.add_argument("new")
    merge = unit_commands.add_parser(
        "merge", help="merge SOURCE into TARGET (members, tasks, reports move)"
    )
    merge.add_argument("source")
    merge.add_argument("target")
    alias = unit_commands.add_parser("alias", help="another name a plan file may use")
    alias.add_argument("name")
    alias.add_argument("alias")


async def run_unit_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``hamlet-bot unit …``; print what was done, or why nothing was."""
    engine = create_engine(settings.database_url)
    fixed = len(settings.commune.hamlets)
    action = args.unit_command
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await settled_commune(session, settings)
            now = utc_now()
            await _seeded(session, settings, commune)
            if action == "list":
                lines = _listed(await list_units(session, commune))
            elif action == "rename":
                unit = await rename_unit(
                    session, commune, args.old, args.new, actor=CLI, now=now,
                    fixed_hamlets=fixed,
                )  # fmt: skip
                lines = [f"Đã đổi tên «{args.old}» thành «{unit.name}» (tên cũ vẫn dùng được)."]
            elif action == "alias":
                unit = await add_alias(session, commune, args.name, args.alias, actor=CLI, now=now)
                lines = [f"«{args.alias}» nay là tên khác của «{unit.name}»."]
            else:
                merged = await merge_units(
                    session, commune, args.source, args.target, actor=CLI, now=now,
                    fixed_hamlets=fixed,
                )  # fmt: skip
                lines = [
                    f"Đã gộp «{merged.source}» vào «{merged.target}»: chuyển {merged.members} "
                    f"thành viên, {merged.tasks} nhiệm vụ, {merged.reports} báo cáo."
                ]
    except DomainError as error:
        print(f"hamlet-bot: {_error(error, args)}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    for line in lines:
        print(line)
    return 0


async def _seeded(session: AsyncSession, settings: Settings, commune: Commune) -> None:
    """On a database with no plan yet, load the bundled one first, as the bot's start and
    `hamlet-bot invite` do: its units are the ones to tidy.
    """
    if (await session.exec(select(Plan).where(Plan.commune_id == commune.id))).first() is None:
        year = local(utc_now(), settings.commune.timezone).year
        await load_plan(session, commune, read_plan_file(settings.plan_file), year=year)


def _listed(rows: list[Any]) -> list[str]:
    units = [row for row in rows if row.kind == UnitKind.UNIT]
    hamlets = [row for row in rows if row.kind == UnitKind.HAMLET]
    lines = [f"Đơn vị ({len(units)}):"]
    for number, row in enumerate(units, start=1):
        members = f" · {row.members} thành viên" if row.members else ""
        lines.append(f"{number:>3}. {row.name}{members}")
    lines.append(f"Ấp ({len(hamlets)}): " + ", ".join(row.name for row in hamlets))
    return lines


def _error(error: DomainError, args: argparse.Namespace) -> str:
    names = [
        getattr(args, key) for key in ("old", "name", "source", "target") if hasattr(args, key)
    ]
    hint = f"; có phải «{error.detail}»?" if error.detail else ""
    new = getattr(args, "new", None) or getattr(args, "alias", "")
    template = _ERRORS.get(error.reason, str(error))
    # Which name is unknown is not said by the error: name those typed.
    name = " / ".join(names) if error.reason == "unknown_unit" else ""
    return template.format(name=name, hint=hint, new=new, detail=error.detail)
