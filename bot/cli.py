"""The ``hamlet-bot`` command: run the bot, set up the database, invite members."""

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.offline import OFFLINE_BOT_USERNAME
from bot.settings import Settings, SettingsError, load_settings
from handlers.invites import invite_link
from models.clock import format_date, local, utc_now
from models.db import create_engine, migrate, session_factory, transaction
from models.errors import DomainError
from models.exports import make_export
from models.members import create_member, list_members, parse_role
from models.plan_data import PlanDataError, read_plan_file
from models.plan_import import PlanImportError, catalogue_for, read_plan_table_file
from models.plan_loader import ensure_commune, load_plan
from models.plan_rollover import describe_rollover, rollover
from models.plan_sync import describe_changes, import_plan
from models.plans import current_plan, plan_for_year
from models.tables import Commune

log = logging.getLogger("hamlet_bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hamlet-bot", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: config.toml)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the offline console if no token is set)")
    commands.add_parser("console", help="run the offline console even if a token is set")
    init = commands.add_parser("init", help="create the schema and load the plan (idempotent)")
    init.add_argument("--year", type=int, help="load the plan as the plan for this year")
    invite = commands.add_parser("invite", help="add a member and print a one-time invite")
    invite.add_argument("--role", required=True, help="chairman, office, officer, hamlet_head")
    invite.add_argument("--name", required=True)
    invite.add_argument("--unit", help="the member's unit or hamlet (diacritics optional)")
    commands.add_parser("members", help="list members and whether they are linked")
    plan = commands.add_parser("plan", help="import a plan from Word/Excel, or roll it over")
    plan_commands = plan.add_subparsers(dest="plan_command", required=True)
    plan_import = plan_commands.add_parser("import", help="read the plan table of a .docx/.xlsx")
    plan_import.add_argument("file", type=Path)
    plan_import.add_argument("--year", type=int, help="the plan's year (default: this year)")
    plan_import.add_argument("--dry-run", action="store_true", help="show, change nothing")
    rollover = plan_commands.add_parser("rollover", help="start YEAR's plan from the last one")
    rollover.add_argument("year", type=int)
    rollover.add_argument("--from", dest="from_year", type=int, help="default: YEAR - 1")
    export = commands.add_parser("export", help="write the workbook or a report to a file")
    export.add_argument("--format", default="xlsx", choices=["xlsx", "csv", "docx", "pctn"])
    export.add_argument("--period", help="a quarter such as 2026Q4 (default: the whole year)")
    export.add_argument("--year", type=int, help="the plan's year (default: this year's)")
    export.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hamlet-bot`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
    except SettingsError as error:
        print(f"hamlet-bot: config error: {error}", file=sys.stderr)
        return 2
    command = args.command or "run"
    try:
        migrate(settings.database_url)
        if command == "init":
            return asyncio.run(_init(settings, args.year))
        if command == "invite":
            return asyncio.run(_invite(settings, args.role, args.name, args.unit))
        if command == "members":
            return asyncio.run(_members(settings))
        if command == "plan" and args.plan_command == "import":
            return asyncio.run(_plan_import(settings, args.file, args.year, args.dry_run))
        if command == "plan":
            from_year = args.from_year or args.year - 1
            return asyncio.run(_plan_rollover(settings, from_year, args.year))
        if command == "export":
            return asyncio.run(_export(settings, args.format, args.period, args.year, args.output))
        if command == "console" or not settings.telegram.token:
            if command != "console":
                print(
                    "No Telegram token configured ([telegram] token in config.toml or "
                    "HAMLET_BOT_TOKEN): starting the offline console.",
                    flush=True,
                )
            from bot.console import run_console

            asyncio.run(run_console(settings))
            return 0
        return _run_polling(settings)
    except PlanDataError as error:
        print(f"hamlet-bot: plan error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"hamlet-bot: {error}", file=sys.stderr)
        return 1


def _run_polling(settings: Settings) -> int:
    from bot.app import build_application

    application = build_application(settings)
    log.info("starting the bot (polling)")
    application.run_polling()
    return 0


async def _commune(settings: Settings, session: object) -> Commune:
    from sqlmodel.ext.asyncio.session import AsyncSession

    assert isinstance(session, AsyncSession)
    return await ensure_commune(
        session, settings.commune.name, settings.commune.timezone, settings.commune.hamlets
    )


async def _init(settings: Settings, year: int | None) -> int:
    spec = read_plan_file(settings.plan_file)
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            result = await load_plan(session, commune, spec, year=year)
    finally:
        await engine.dispose()
    plan = result.plan
    source = f" (copied from the {spec.year} plan)" if plan.source_year else ""
    state = "loaded" if result.created else "already loaded"
    print(
        f"Plan {plan.number} for {plan.year}{source} {state}: {len(spec.tasks)} tasks in "
        f"{len(spec.areas)} areas; {result.tasks_created} created, "
        f"{result.tasks_updated} updated."
    )
    return 0


async def _invite(settings: Settings, role: str, name: str, unit: str | None) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            from models.tables import Plan

            if (
                await session.exec(select(Plan).where(Plan.commune_id == commune.id))
            ).first() is None:
                await load_plan(
                    session, commune, read_plan_file(settings.plan_file), year=utc_now().year
                )
            issued = await create_member(
                session,
                commune,
                role=parse_role(role),
                name=name,
                unit_text=unit,
                now=utc_now(),
                ttl=timedelta(days=settings.invite_days),
            )
    except DomainError as error:
        print(f"hamlet-bot: {_cli_error(error)}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    username = settings.telegram.username or (
        OFFLINE_BOT_USERNAME if not settings.telegram.token else "<bot username>"
    )
    where = f", {issued.unit.name}" if issued.unit else ""
    expires = format_date(local(issued.expires_at, settings.commune.timezone).date())
    again = " (already a member: a fresh invite)" if issued.existing else ""
    print(f"Member #{issued.member.id}: {issued.member.name} ({issued.member.role}{where}){again}")
    print(f"Invite link (one use, expires {expires}): {invite_link(username, issued.code)}")
    print(f"Code: {issued.code}")
    return 0


def _cli_error(error: DomainError) -> str:
    if error.reason == "unknown_unit":
        hint = f"; did you mean {error.detail!r}?" if error.detail else ""
        return f"unknown unit or hamlet{hint}"
    messages = {
        "unknown_role": f"unknown role {error.detail!r} (chairman, office, officer, hamlet_head)",
        "unit_required": "an officer needs --unit",
        "hamlet_required": "a hamlet head needs --unit naming a hamlet (e.g. 'Ấp 3')",
        "hamlet_not_allowed": "only a hamlet head belongs to a hamlet",
        "bad_name": "--name must be 1 to 80 characters",
        "member_linked": f"{error.detail} is a member already and has linked Telegram",
    }
    return messages.get(error.reason, str(error))


async def _plan_import(settings: Settings, path: Path, year: int | None, dry_run: bool) -> int:
    year = year or local(utc_now(), settings.commune.timezone).year
    catalogue = catalogue_for(read_plan_file(settings.plan_file))
    try:
        spec = await asyncio.to_thread(
            read_plan_table_file, path, catalogue, commune=settings.commune.name, year=year
        )
    except PlanImportError as error:
        print(f"hamlet-bot: {path}: {error}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            changes = await import_plan(session, commune, spec, year=year, dry_run=dry_run)
    finally:
        await engine.dispose()
    for line in describe_changes(changes):
        print(line)
    return 0


async def _plan_rollover(settings: Settings, from_year: int, to_year: int) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            result = await rollover(session, commune, from_year=from_year, to_year=to_year)
    except DomainError as error:
        reasons = {
            "bad_year": f"{to_year} must come after {from_year}",
            "no_plan": f"there is no plan for {from_year}",
            "plan_exists": f"there is a plan for {to_year} already",
        }
        print(f"hamlet-bot: {reasons.get(error.reason, str(error))}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    for line in describe_rollover(result):
        print(line)
    return 0


async def _export(
    settings: Settings, kind: str, period: str | None, year: int | None, output: Path
) -> int:
    now = utc_now()
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            wanted = year or local(now, commune.timezone).year
            plan = await (
                plan_for_year(session, commune, wanted)
                if year
                else current_plan(session, commune, wanted)
            )
            if plan is None:
                print(f"hamlet-bot: no plan for {year}", file=sys.stderr)
                return 2
            made = await make_export(session, commune, plan, kind=kind, now=now, period=period)
    except DomainError as error:
        if error.reason in ("bad_period", "no_plan"):
            reason = (
                "no plan loaded"
                if error.reason == "no_plan"
                else f"bad period {error.detail!r} (write it like 2026Q4)"
            )
            print(f"hamlet-bot: {reason}", file=sys.stderr)
            return 2
        raise
    finally:
        await engine.dispose()
    await asyncio.to_thread(output.write_bytes, made.content)
    print(f"Wrote {output} ({len(made.content):,} bytes): plan {plan.number}, {plan.year}.")
    return 0


async def _members(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session)
            rows = await list_members(session, commune)
    finally:
        await engine.dispose()
    if not rows:
        print("No members yet. Add one with: hamlet-bot invite --role ROLE --name NAME")
    for member, unit in rows:
        linked = "linked" if member.telegram_user_id else "not linked"
        where = f", {unit.name}" if unit else ""
        print(f"#{member.id} {member.name} — {member.role}{where} — {linked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
