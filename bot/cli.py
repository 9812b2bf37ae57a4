"""The ``hamlet-bot`` command: run the bot, set up the database, invite members."""

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot import texts
from bot.commune_cli import (
    CommuneChoiceError,
    chosen_commune,
    commune_add,
    commune_list,
    commune_set,
    commune_show,
)
from bot.settings import Settings, SettingsError, load_settings
from bot.unit_cli import add_unit_parser, run_unit_command
from handlers.invites import invite_link
from models.accounts import accounts_of
from models.audit import CLI, list_entries, verify_chain
from models.backup import BackupError, backup, restore
from models.clock import format_date, local, utc_now
from models.db import create_engine, migrate, session_factory, transaction
from models.errors import DomainError
from models.exports import make_export
from models.members import (
    create_member,
    decide_relink,
    list_members,
    parse_role,
    pending_relinks,
    unit_names,
)
from models.plan_data import (
    PlanDataError,
    UnitSpec,
    area_lines,
    deadline_lines,
    guessed_deadlines,
    read_plan_file,
)
from models.plan_file import PlanImportError
from models.plan_import import TEMPLATE_HINTED, catalogue_for, read_plan_import_file
from models.plan_loader import load_plan
from models.plan_reading import reading_lines
from models.plan_rollover import describe_rollover, rollover
from models.plan_sync import describe_changes, import_plan
from models.plan_template import plan_template
from models.plans import current_plan, plan_for_year
from models.tables import AuditEntry, Commune, Member, Role
from models.textfold import fold
from models.unit_sync import commune_units

log = logging.getLogger("hamlet_bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hamlet-bot", description=__doc__)
    parser.add_argument("--config", type=Path, help="config file (default: config.toml)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the offline console if no token is set)")
    console = commands.add_parser("console", help="run the offline console even if a token is set")
    console.add_argument(
        "--channel",
        choices=("telegram", "zalo"),
        default="telegram",
        help="show the bot as a Telegram user (buttons) or a Zalo user (numbered options) sees it",
    )
    init = commands.add_parser("init", help="create the schema and load the plan (idempotent)")
    init.add_argument("--year", type=int, help="load the plan as the plan for this year")
    _commune_option(init)
    invite = commands.add_parser("invite", help="add a member and print a one-time invite")
    invite.add_argument("--role", required=True, help="chairman, office, officer, hamlet_head")
    invite.add_argument("--name", required=True)
    invite.add_argument("--unit", help="the member's unit or hamlet (diacritics optional)")
    _commune_option(invite)
    members = commands.add_parser("members", help="list members and whether they are linked")
    _commune_option(members)
    commune = commands.add_parser(
        "commune", help="the commune's profile: who it reports to, who signs its documents"
    )
    commune_commands = commune.add_subparsers(dest="commune_command", required=True)
    commune_set = commune_commands.add_parser(
        "set", help='set KEY (a list: several values or "A; B"); "" clears it'
    )
    commune_set.add_argument("key")
    commune_set.add_argument("value", nargs="+")
    commune_commands.add_parser("show", help="each key, its value and where it comes from")
    commune_add = commune_commands.add_parser("add", help="add a commune to the database")
    commune_add.add_argument("name")
    commune_add.add_argument("--province", help="the province it belongs to")
    commune_add.add_argument("--hamlets", help='its hamlets, as "Ấp 1; Ấp 2"')
    commune_commands.add_parser("list", help="the communes: province, members, plans")
    add_unit_parser(commands)
    relink = commands.add_parser(
        "relink", help="a linked member's new code used by another account: list, confirm, refuse"
    )
    relink_commands = relink.add_subparsers(dest="relink_command", required=True)
    _commune_option(relink_commands.add_parser("list", help="the requests waiting for a decision"))
    for verb in ("confirm", "refuse"):
        decide = relink_commands.add_parser(verb, help=f"{verb} request N")
        decide.add_argument("number", type=int)
        _commune_option(decide)
    plan = commands.add_parser("plan", help="import a plan from Word/Excel, or roll it over")
    plan_commands = plan.add_subparsers(dest="plan_command", required=True)
    plan_import = plan_commands.add_parser("import", help="read the plan table of a .docx/.xlsx")
    plan_import.add_argument("file", type=Path)
    plan_import.add_argument("--year", type=int, help="the plan's year (default: this year)")
    plan_import.add_argument("--dry-run", action="store_true", help="show, change nothing")
    _commune_option(plan_import)
    template = plan_commands.add_parser(
        "template", help="write the empty plan workbook to fill in (for a plan without a table)"
    )
    template.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx to write")
    rollover = plan_commands.add_parser("rollover", help="start YEAR's plan from the last one")
    rollover.add_argument("year", type=int)
    rollover.add_argument("--from", dest="from_year", type=int, help="default: YEAR - 1")
    _commune_option(rollover)
    export = commands.add_parser("export", help="write the workbook or a report to a file")
    export.add_argument("--format", default="xlsx", choices=["xlsx", "csv", "docx", "pctn"])
    export.add_argument("--period", help="a quarter such as 2026Q4 (default: the whole year)")
    export.add_argument("--year", type=int, help="the plan's year (default: this year's)")
    export.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    _commune_option(export)
    backup = commands.add_parser("backup", help="copy the database to a file (bot may run)")
    backup.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    restore = commands.add_parser("restore", help="put a backup in place (stop the bot first)")
    restore.add_argument("file", type=Path)
    audit = commands.add_parser("audit", help="check or list the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="check the hash chain; exit 1 if it is broken")
    audit_show = audit_commands.add_parser("show", help="list entries, oldest first")
    audit_show.add_argument("--since", help="from this day (YYYY-MM-DD, commune time)")
    audit_show.add_argument("--member", help="only what this member did (diacritics optional)")
    return parser


def _commune_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commune", help="the commune, when the database holds several (diacritics optional)"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hamlet-bot`` console script."""
    # Whatever this process creates (the database, evidence, exports, backups) is readable
    # by its own user only: files 0600, directories 0700.
    os.umask(0o077)
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
        if command == "backup":
            return asyncio.run(_backup(settings, args.output))
        if command == "restore":
            return _restore(settings, args.file)
        if command == "plan" and args.plan_command == "template":
            return _plan_template(args.output)  # no database: the empty plan only
        migrate(settings.database_url)
        if command == "audit" and args.audit_command == "verify":
            return asyncio.run(_audit_verify(settings))
        if command == "audit":
            return asyncio.run(_audit_show(settings, args.since, args.member))
        chosen = getattr(args, "commune", None)
        if command == "init":
            return asyncio.run(_init(settings, args.year, chosen))
        if command == "invite":
            return asyncio.run(_invite(settings, args.role, args.name, args.unit, chosen))
        if command == "members":
            return asyncio.run(_members(settings, chosen))
        if command == "commune" and args.commune_command == "set":
            return asyncio.run(commune_set(settings, args.key, args.value))
        if command == "commune" and args.commune_command == "add":
            return asyncio.run(commune_add(settings, args.name, args.province, args.hamlets))
        if command == "commune" and args.commune_command == "list":
            return asyncio.run(commune_list(settings))
        if command == "commune":
            return asyncio.run(commune_show(settings))
        if command == "unit":
            return asyncio.run(run_unit_command(settings, args))
        if command == "relink":
            number = getattr(args, "number", 0)
            return asyncio.run(_relink(settings, args.relink_command, number, chosen))
        if command == "plan" and args.plan_command == "import":
            return asyncio.run(_plan_import(settings, args.file, args.year, args.dry_run, chosen))
        if command == "plan":
            from_year = args.from_year or args.year - 1
            return asyncio.run(_plan_rollover(settings, from_year, args.year, chosen))
        if command == "export":
            return asyncio.run(
                _export(settings, args.format, args.period, args.year, args.output, chosen)
            )
        if command == "console" or not (settings.telegram.token or settings.zalo.token):
            if command != "console":
                print(
                    "Chưa có token Telegram hoặc Zalo ([telegram] token hoặc [zalo] token "
                    "trong config.toml, hoặc HAMLET_BOT_TOKEN / HAMLET_BOT_ZALO_TOKEN): mở "
                    "bản thử ngoại tuyến (console).",
                    flush=True,
                )
            from bot.console import run_console

            channel = getattr(args, "channel", "telegram")
            asyncio.run(run_console(settings, channel=channel))
            return 0
        return _run_channels(settings)
    except PlanDataError as error:
        print(f"hamlet-bot: plan error: {error}", file=sys.stderr)
        return 2
    except CommuneChoiceError as error:
        print(f"hamlet-bot: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"hamlet-bot: {error}", file=sys.stderr)
        return 1


def _run_channels(settings: Settings) -> int:
    from bot.run import run_channels

    log.info("starting the bot")
    asyncio.run(run_channels(settings))
    return 0


async def _commune(settings: Settings, session: object, name: str | None = None) -> Commune:
    """The commune ``--commune`` names, or the only (or configured) one; see
    :func:`bot.commune_cli.chosen_commune`.
    """
    from sqlmodel.ext.asyncio.session import AsyncSession

    assert isinstance(session, AsyncSession)
    return await chosen_commune(session, settings, name)


async def _init(settings: Settings, year: int | None, commune_name: str | None = None) -> int:
    spec = read_plan_file(settings.plan_file)
    # This year's plan by default, as the bot and its reminders count in this year: the
    # seed file's own year (2023) would leave the console showing a plan years old.
    year = year or local(utc_now(), settings.commune.timezone).year
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            result = await load_plan(session, commune, spec, year=year)
    finally:
        await engine.dispose()
    plan = result.plan
    source = f" (chép từ kế hoạch năm {spec.year})" if plan.source_year else ""
    state = "Đã nạp" if result.created else "Đã có sẵn"
    print(
        f"{state} kế hoạch {plan.number} năm {plan.year}{source}: {len(spec.tasks)} nhiệm vụ, "
        f"{len(spec.areas)} lĩnh vực; tạo mới {result.tasks_created}, "
        f"cập nhật {result.tasks_updated}."
    )
    return 0


async def _invite(
    settings: Settings, role: str, name: str, unit: str | None, commune_name: str | None = None
) -> int:
    engine = create_engine(settings.database_url)
    names: list[str] = []  # the commune's units, to list when --unit names none of them
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            from models.tables import Plan

            if (
                await session.exec(select(Plan).where(Plan.commune_id == commune.id))
            ).first() is None:
                year = local(utc_now(), settings.commune.timezone).year
                await load_plan(session, commune, read_plan_file(settings.plan_file), year=year)
            names = await unit_names(session, commune)
            issued = await create_member(
                session,
                commune,
                role=parse_role(role),
                name=name,
                unit_text=unit,
                now=utc_now(),
                ttl=timedelta(days=settings.invite_days),
                actor=CLI,
            )
    except DomainError as error:
        print(f"hamlet-bot: {_cli_error(error)}", file=sys.stderr)
        if error.reason == "unknown_unit" and not error.detail:
            print(f"Các đơn vị và ấp của xã: {', '.join(names)}.", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    where = f", {issued.unit.name}" if issued.unit else ""
    expires = format_date(local(issued.expires_at, settings.commune.timezone).date())
    again = (
        " (đã có trong danh sách: mã mời mới, các mã trước không dùng được nữa)"
        if issued.existing
        else ""
    )
    role = _role_label(issued.member.role)
    print(f"Thành viên #{issued.member.id}: {issued.member.name} ({role}{where}){again}")
    print(f"Mã mời (dùng một lần, hết hạn {expires}): {issued.code}")
    print(f"Trên Telegram: mở bot của xã và gõ /start {issued.code}")
    if settings.telegram.username:
        print(f"Hoặc gửi đường link này: {invite_link(settings.telegram.username, issued.code)}")
    else:
        # A link to a guessed bot would open someone else's bot: no link at all.
        print(
            "⚠️ Chưa có đường link mời: cần đặt tên bot ([telegram] username) trong "
            "config.toml. Trong lúc chờ, người được mời dùng mã như trên."
        )
    print("Trên Zalo: mở bot Zalo của xã và gửi mã mời ở trên thành một tin nhắn.")
    if issued.linked:
        print(
            "Lưu ý: thành viên này đã kết nối một tài khoản. Nếu tài khoản khác dùng mã này, "
            "Văn phòng được hỏi trên bot (/xacnhan hoặc /tuchoi) trước khi chuyển."
        )
    return 0


def _role_label(role: str) -> str:
    return texts.ROLE_LABELS[Role(role)]


def _cli_error(error: DomainError) -> str:
    if error.reason == "unknown_unit":
        hint = f"; có phải «{error.detail}»?" if error.detail else ""
        return f"không tìm thấy đơn vị hoặc ấp này{hint}"
    messages = {
        "unknown_role": (
            f"không rõ vai trò «{error.detail}» (chairman, office, officer, hamlet_head; "
            "hoặc lãnh đạo, văn phòng, cán bộ, trưởng ấp)"
        ),
        "unit_required": "cán bộ phụ trách cần có --unit (đơn vị)",
        "hamlet_required": "trưởng ấp cần có --unit là tên ấp (ví dụ 'Ấp 3')",
        "hamlet_not_allowed": "chỉ trưởng ấp mới gắn với một ấp",
        "bad_name": "--name cần từ 1 đến 80 ký tự",
        "relink_gone": "không có yêu cầu này (đã quyết định, đã có mã mới hơn, hoặc quá hạn)",
        "account_linked": f"tài khoản mới đã thuộc về thành viên khác ({error.detail})",
    }
    return messages.get(error.reason, str(error))


async def _plan_import(
    settings: Settings,
    path: Path,
    year: int | None,
    dry_run: bool,
    commune_name: str | None = None,
) -> int:

    year = year or local(utc_now(), settings.commune.timezone).year
    # The file is read knowing the commune's units (created by an earlier import, renamed).
    commune_name, units = await _units(settings, commune_name)
    catalogue = catalogue_for(read_plan_file(settings.plan_file), units)
    try:
        reading = await asyncio.to_thread(
            read_plan_import_file, path, catalogue, commune=commune_name, year=year
        )
    except PlanImportError as error:
        print(f"hamlet-bot: {path}: {error}", file=sys.stderr)
        if error.reason in TEMPLATE_HINTED:
            print(texts.CLI_PLAN_TEMPLATE_HINT, file=sys.stderr)
        return 2
    spec = reading.spec
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            changes = await import_plan(
                session, commune, spec, year=year, dry_run=dry_run, actor=CLI, now=utc_now()
            )
    finally:
        await engine.dispose()
    for line in describe_changes(changes):
        print(line)
    for line in reading_lines(reading):
        print(f"! {line}")
    if dry_run:
        print(texts.IMPORT_AREAS_TITLE, *area_lines(spec), sep="\n")
        # Each task's deadline, so that a misread timeframe is seen before the import.
        print(texts.IMPORT_DEADLINES_TITLE, *deadline_lines(spec, year), sep="\n")
        guessed = guessed_deadlines(spec, year)
        if guessed:
            print(texts.IMPORT_DEADLINES_GUESSED.format(count=guessed))
    return 0


async def _units(settings: Settings, name: str | None) -> tuple[str, tuple[UnitSpec, ...]]:
    """The chosen commune's name and units."""
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, name)
            return commune.name, await commune_units(session, commune)
    finally:
        await engine.dispose()


def _plan_template(output: Path) -> int:
    output.write_bytes(plan_template())
    print(texts.CLI_PLAN_TEMPLATE_WRITTEN.format(path=output))
    return 0


async def _plan_rollover(
    settings: Settings, from_year: int, to_year: int, commune_name: str | None = None
) -> int:

    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            result = await rollover(
                session, commune, from_year=from_year, to_year=to_year, actor=CLI, now=utc_now()
            )
    except DomainError as error:
        reasons = {
            "bad_year": f"năm {to_year} phải sau năm {from_year}",
            "no_plan": f"chưa có kế hoạch năm {from_year}",
            "plan_exists": f"đã có kế hoạch năm {to_year}",
        }
        print(f"hamlet-bot: {reasons.get(error.reason, str(error))}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    for line in describe_rollover(result):
        print(line)
    return 0


async def _export(
    settings: Settings,
    kind: str,
    period: str | None,
    year: int | None,
    output: Path,
    commune_name: str | None = None,
) -> int:
    now = utc_now()
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            wanted = year or local(now, commune.timezone).year
            plan = await (
                plan_for_year(session, commune, wanted)
                if year
                else current_plan(session, commune, wanted)
            )
            if plan is None:
                print(f"hamlet-bot: chưa có kế hoạch năm {year}", file=sys.stderr)
                return 2
            made = await make_export(session, commune, plan, kind=kind, now=now, period=period)
    except DomainError as error:
        if error.reason in ("bad_period", "no_plan"):
            reason = (
                "chưa nạp kế hoạch nào (chạy: hamlet-bot init)"
                if error.reason == "no_plan"
                else f"quý «{error.detail}» không đúng (viết như 2026Q4)"
            )
            print(f"hamlet-bot: {reason}", file=sys.stderr)
            return 2
        raise
    finally:
        await engine.dispose()
    await asyncio.to_thread(output.write_bytes, made.content)
    size = f"{len(made.content):,}".replace(",", ".")
    print(f"Đã ghi tệp {output} ({size} byte): kế hoạch {plan.number}, năm {plan.year}.")
    return 0


async def _members(settings: Settings, commune_name: str | None = None) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            rows = await list_members(session, commune)
            accounts = await accounts_of(session, [m.id or 0 for m, _ in rows])
    finally:
        await engine.dispose()
    if not rows:
        print(
            "Chưa có thành viên nào. Thêm bằng: hamlet-bot invite --role VAI-TRÒ "
            "--name 'HỌ TÊN' --unit 'ĐƠN VỊ'"
        )
    for member, unit in rows:
        channels = sorted(
            texts.CHANNEL_LABELS.get(a.channel, a.channel)
            for a in accounts.get(member.id or 0, [])
        )
        linked = f"đã kết nối ({', '.join(channels)})" if channels else "chưa kết nối"
        where = f", {unit.name}" if unit else ""
        print(f"#{member.id} {member.name} — {_role_label(member.role)}{where} — {linked}")
    return 0


async def _relink(
    settings: Settings, action: str, number: int, commune_name: str | None = None
) -> int:
    """The office's decision on the command line: the only way when the office clerk is
    the one who changed phones (nobody else in chat may confirm).
    """
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            commune = await _commune(settings, session, commune_name)
            if action == "list":
                waiting = await pending_relinks(session, commune.id or 0)
                if not waiting:
                    print("Không có yêu cầu nào đang chờ.")
                for invite, member in waiting:
                    account = invite.claimant_name or invite.claimant_external_id
                    role = _role_label(member.role)
                    print(f"#{invite.id} {member.name} ({role}) — tài khoản mới: {account}")
                return 0
            done = await decide_relink(
                session, number, commune_id=commune.id or 0, actor=CLI,
                accept=action == "confirm", now=utc_now(),
                ttl=timedelta(days=settings.invite_days),
            )  # fmt: skip
    except DomainError as error:
        print(f"hamlet-bot: {_cli_error(error)}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    verb = "đã chuyển sang tài khoản mới" if action == "confirm" else "giữ tài khoản cũ"
    print(f"{done.member.name}: {verb}.")
    return 0


async def _backup(settings: Settings, output: Path) -> int:
    try:
        size = await backup(settings.database_url, output)
    except BackupError as error:
        print(f"hamlet-bot: backup failed: {error}", file=sys.stderr)
        return 1
    print(f"Backed up the database to {output} ({size:,} bytes).")
    return 0


def _restore(settings: Settings, source: Path) -> int:
    try:
        restored = asyncio.run(restore(settings.database_url, source))
    except BackupError as error:
        print(f"hamlet-bot: restore failed: {error}", file=sys.stderr)
        return 1
    try:
        migrate(settings.database_url)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        print(
            f"hamlet-bot: restored {source}, but the schema could not be brought up to date: "
            f"{reason}",
            file=sys.stderr,
        )
        return 1
    print(
        f"Restored {source} into {restored.target} (schema {restored.revision}, now up to date)."
    )
    return 0


async def _audit_verify(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            check = await verify_chain(session)
    finally:
        await engine.dispose()
    problem = check.problem
    if problem is None:
        print(f"Audit log: {check.entries:,} entries, OK.")
        return 0
    if problem.kind == "edited":
        what = f"entry #{problem.seq} was edited ({problem.detail})"
    elif problem.kind == "inserted":
        what = f"entry #{problem.seq} was inserted"
    elif "…" in problem.detail:
        what = f"entries #{problem.detail.replace('…', '…#')} were deleted"
    else:
        what = f"an entry was deleted at #{problem.seq}"
    checked = f"{check.entries:,} entr{'y' if check.entries == 1 else 'ies'}"
    print(f"Audit log BROKEN: {what} (checked {checked}).")
    return 1


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def _audit_show(settings: Settings, since_text: str | None, member_name: str | None) -> int:
    zone = settings.commune.timezone
    since: datetime | None = None
    if since_text is not None:
        day = _parse_day(since_text)
        if day is None:
            print(
                f"hamlet-bot: --since must be a day like 2026-11-27, got {since_text!r}",
                file=sys.stderr,
            )
            return 2
        since = datetime.combine(day, datetime.min.time(), ZoneInfo(zone))
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            member_id = None
            if member_name is not None:
                found = await _member_named(session, settings, member_name)
                if isinstance(found, str):
                    print(f"hamlet-bot: {found}", file=sys.stderr)
                    return 2
                member_id = found.id
            entries = await list_entries(session, since=since, member_id=member_id, limit=1000)
    finally:
        await engine.dispose()
    if not entries:
        print("No audit entries.")
    for entry in entries:
        print(_audit_line(entry, zone))
    if len(entries) == 1000:
        print("(the first 1,000 entries only: narrow with --since or --member)")
    return 0


async def _member_named(session: object, settings: Settings, name: str) -> Member | str:
    """The member of the commune whose name folds to ``name`` (or contains it), or why
    there is none.
    """
    from sqlmodel.ext.asyncio.session import AsyncSession

    assert isinstance(session, AsyncSession)
    wanted = fold(name)
    commune = (
        await session.exec(select(Commune).where(Commune.name == settings.commune.name))
    ).first()
    members = (
        list(await session.exec(select(Member).where(Member.commune_id == commune.id)))
        if commune and wanted
        else []
    )
    exact = [m for m in members if fold(m.name) == wanted]
    matches = exact or [m for m in members if f" {wanted} " in f" {fold(m.name)} "]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return f"no member named {name!r}"
    names = ", ".join(f"{m.name} (#{m.id})" for m in matches[:5])
    return f"{name!r} names {len(matches)} members: {names}; give the full name"


def _audit_line(entry: AuditEntry, timezone: str) -> str:
    here = local(entry.at, timezone)
    when = f"{format_date(here.date())} {here.hour:02d}:{here.minute:02d}"
    who = entry.actor_name or entry.actor
    return (
        f"#{entry.seq} {when}  {who}  {entry.action}  {entry.object_type} #{entry.object_id}"
        f"  {_change(entry.before, entry.after)}"
    ).rstrip()


def _change(before: str | None, after: str | None, width: int = 100) -> str:
    """The fields that changed, ``field: before→after``, cut to ``width`` characters."""
    old, new = _fields(before), _fields(after)
    parts = [
        f"{key}: {_value(old.get(key))}→{_value(new.get(key))}"
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]
    text = "; ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def _fields(stored: str | None) -> dict[str, object]:
    if not stored:
        return {}
    try:
        values = json.loads(stored)
    except ValueError:
        return {"?": stored}
    return values if isinstance(values, dict) else {"?": values}


def _value(value: object) -> str:
    if value is None:
        return "–"
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


if __name__ == "__main__":
    sys.exit(main())
