"""A commune's database filled with reports, for the benchmarks.

The shape the issue's measurements used: the bundled seed plan loaded for ``plans``
consecutive years ending at ``year``, ``units`` units and hamlets in all (the plan's own
units, then as many hamlets as it takes), one member for each of them besides a chairman
and an office clerk, and ``reports`` report rows: one fifth in the current plan, the rest
spread evenly over the earlier plans. Each task × unit in scope has several versions whose
times are spread over its plan's year, with rising percents, notes, some evidence and some
reviews. Deterministic: the same arguments give the same rows.

Every member is linked to a Telegram account whose id is ``TELEGRAM_ID_BASE`` + the
member's id (its chat has the same id), so a benchmark can talk to the bot as any of them.

Rows are inserted in bulk (plain rows, chunks of ``CHUNK`` in one transaction each): a
million reports take well under a few minutes on SQLite.

    .venv/bin/python -m bench.datagen --reports 10000 --url sqlite:////tmp/x.sqlite3
"""

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import col, func, select

from bot.settings import DEFAULT_HAMLETS, CommuneSettings, database_url
from models.accounts import TELEGRAM
from models.clock import quarter_of
from models.db import create_engine, migrate, session_factory, transaction
from models.plan_data import read_plan_file
from models.plan_loader import ensure_commune, load_plan
from models.tables import (
    ChatAccount,
    Member,
    Plan,
    Report,
    Role,
    Status,
    Task,
    TaskUnit,
    Unit,
    UnitKind,
)

CHUNK = 10_000
# Members are linked to Telegram accounts from here on (the console's demo uses 900M+,
# the tests' phones 700M+).
TELEGRAM_ID_BASE = 800_000_000
# The share of the rows in the current plan.
CURRENT_SHARE = 5

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Quốc", "Thị Kim")
_GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hải", "Hòa", "Khánh", "Lan", "Mai")
_NOTES = (
    "Đã tổ chức họp dân triển khai nội dung kế hoạch",
    "Đang phối hợp với các ban ngành đoàn thể thực hiện",
    "Đã niêm yết công khai tại trụ sở và nhà văn hóa ấp",
    "Tuyên truyền trên loa truyền thanh 3 buổi/tuần",
    "Chờ kinh phí để triển khai",
    "Đã hoàn thành, có biên bản kèm theo",
    "Đã tiếp nhận và giải quyết đúng hạn các hồ sơ",
    "Thiếu nhân lực, đề nghị hỗ trợ",
    "Đã khám miễn phí cho trẻ em và người cao tuổi",
    "Đã đối thoại với người dân về thủ tục hành chính",
)
_BLOCKERS = (
    "Chưa bố trí được kinh phí",
    "Người dân chưa đồng thuận, cần vận động thêm",
    "Thiếu cán bộ phụ trách do luân chuyển",
)
_RETURN_COMMENTS = ("Bổ sung minh chứng", "Số liệu chưa khớp với báo cáo quý trước")


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` made. ``database_url`` names the async driver."""

    database_url: str
    commune_id: int
    plan_id: int  # the current year's plan
    year: int  # the current plan's year
    reports: int  # report rows inserted


async def generate(
    database_url: str,
    reports: int,
    *,
    plans: int = 5,
    units: int = 60,
    year: int = 2026,
    seed: int = 0,
) -> Generated:
    """Fill the database at ``database_url`` (migrated first) with a commune and ``reports``
    report rows; see the module's description.

    Raises:
        ValueError: a count out of range, or the commune has reports already.
    """
    if reports < 0 or plans < 1:
        raise ValueError("reports must be >= 0 and plans >= 1")
    url = _async_url(database_url)
    await asyncio.to_thread(migrate, url)
    rng = random.Random(seed)
    spec = read_plan_file()
    settings = CommuneSettings()
    hamlet_count = max(units - len(spec.units), 1)
    hamlets = [*DEFAULT_HAMLETS, *(f"Ấp {n}" for n in range(len(DEFAULT_HAMLETS) + 1, 999))]
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            commune = await ensure_commune(
                session, settings.name, settings.timezone, hamlets[:hamlet_count]
            )
            assert commune.id is not None
            counted = select(func.count()).select_from(Report)
            had = (await session.exec(counted.where(Report.commune_id == commune.id))).one()
            if had:
                raise ValueError(f"the commune has {had} reports already: use a new database")
            years = list(range(year - plans + 1, year + 1))
            plan_rows: list[Plan] = []
            for plan_year in years:
                plan_rows.append((await load_plan(session, commune, spec, year=plan_year)).plan)
        commune_id = commune.id
        async with transaction(sessions) as session:
            unit_list = list(await session.exec(select(Unit).where(Unit.commune_id == commune_id)))
        members = await _members(engine, commune_id, unit_list, rng, datetime(years[0], 1, 2))
        scopes = await _scopes(engine, [p.id for p in plan_rows if p.id is not None], unit_list)
        counts = _split(reports, len(plan_rows))
        tz = settings.timezone
        rows = _report_rows(rng, commune_id, plan_rows, counts, scopes, members, unit_list, tz)
        inserted = 0
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                inserted += await _insert(engine, chunk)
                chunk = []
        if chunk:
            inserted += await _insert(engine, chunk)
        current = plan_rows[-1]
        assert current.id is not None
        return Generated(url, commune_id, current.id, current.year, inserted)
    finally:
        await engine.dispose()


def _async_url(url: str) -> str:
    return database_url(url)


async def _insert(engine: Any, chunk: list[dict[str, Any]]) -> int:
    async with engine.begin() as connection:
        await connection.execute(insert(Report), chunk)
    return len(chunk)


@dataclass(frozen=True)
class _People:
    by_unit: dict[int, int]  # unit id -> the member who reports for it
    office: int


async def _members(
    engine: Any, commune_id: int, units: list[Unit], rng: random.Random, since: datetime
) -> _People:
    """A chairman, an office clerk (of the first unit) and one member for every unit."""
    created = since.replace(tzinfo=UTC)
    people: list[tuple[str, Role, int | None]] = [
        (_name(rng), Role.CHAIRMAN, None),
        (_name(rng), Role.OFFICE, units[0].id if units else None),
    ]
    for unit in sorted(units, key=lambda u: (u.kind, u.position)):
        role = Role.HAMLET_HEAD if unit.kind == UnitKind.HAMLET else Role.OFFICER
        people.append((_name(rng), role, unit.id))
    rows = [
        {"commune_id": commune_id, "name": name, "role": role, "unit_id": unit_id,
         "created_at": created}
        for name, role, unit_id in people
    ]  # fmt: skip
    async with engine.begin() as connection:
        await connection.execute(insert(Member), rows)
        found = list(
            await connection.execute(
                select(Member.id, Member.role, Member.unit_id)
                .where(Member.commune_id == commune_id)
                .order_by(col(Member.id))
            )
        )
        accounts = [
            {"commune_id": commune_id, "member_id": member_id, "channel": TELEGRAM,
             "external_id": str(TELEGRAM_ID_BASE + member_id),
             "chat_id": str(TELEGRAM_ID_BASE + member_id), "linked_at": created}
            for member_id, _, _ in found
        ]  # fmt: skip
        await connection.execute(insert(ChatAccount), accounts)
    by_unit: dict[int, int] = {}
    office = found[0][0]
    for member_id, role, unit_id in found:
        if role == Role.OFFICE:
            office = member_id
        elif unit_id is not None:
            by_unit.setdefault(unit_id, member_id)
    return _People(by_unit, office)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


async def _scopes(
    engine: Any, plan_ids: list[int], units: list[Unit]
) -> dict[int, list[tuple[int, int]]]:
    """Every plan's (task, unit) pairs in scope: a hamlet on each task for the hamlets, a
    unit on each task it leads or coordinates.
    """
    hamlets = [u.id for u in units if u.kind == UnitKind.HAMLET and u.id is not None]
    scopes: dict[int, list[tuple[int, int]]] = {plan_id: [] for plan_id in plan_ids}
    async with engine.connect() as connection:
        tasks = list(
            await connection.execute(
                select(Task.id, Task.plan_id, Task.involves_hamlets)
                .where(col(Task.plan_id).in_(plan_ids))
                .order_by(col(Task.plan_id), col(Task.position))
            )
        )
        links = list(
            await connection.execute(
                select(TaskUnit.task_id, TaskUnit.unit_id).order_by(col(TaskUnit.id))
            )
        )
    linked: dict[int, list[int]] = {}
    for task_id, unit_id in links:
        linked.setdefault(task_id, []).append(unit_id)
    for task_id, plan_id, involves_hamlets in tasks:
        pairs = scopes[plan_id]
        pairs.extend((task_id, unit_id) for unit_id in linked.get(task_id, []))
        if involves_hamlets:
            pairs.extend((task_id, unit_id) for unit_id in hamlets)
    return scopes


def _split(reports: int, plans: int) -> list[int]:
    """Rows per plan, oldest first: one fifth in the current plan, the rest spread."""
    if plans == 1:
        return [reports]
    current = reports // CURRENT_SHARE
    rest = reports - current
    earlier = [rest // (plans - 1)] * (plans - 1)
    for n in range(rest - sum(earlier)):
        earlier[n] += 1
    return [*earlier, current]


def _report_rows(
    rng: random.Random,
    commune_id: int,
    plans: list[Plan],
    counts: list[int],
    scopes: dict[int, list[tuple[int, int]]],
    people: _People,
    units: list[Unit],
    timezone: str,
) -> Iterator[dict[str, Any]]:
    """The report rows, plan by plan, each (task, unit)'s versions in order."""
    zone = ZoneInfo(timezone)
    for plan, count in zip(plans, counts, strict=True):
        assert plan.id is not None
        pairs = scopes[plan.id]
        if not pairs or not count:
            continue
        start = datetime(plan.year, 1, 2, 7, tzinfo=zone).astimezone(UTC)
        end = datetime(plan.year, 12, 20, 17, tzinfo=zone).astimezone(UTC)
        span = (end - start).total_seconds()
        weights = [rng.uniform(0.5, 1.5) for _ in pairs]
        total = sum(weights)
        versions = [int(count * w / total) for w in weights]
        for n in rng.sample(range(len(pairs)), k=min(count - sum(versions), len(pairs))):
            versions[n] += 1
        quarters: dict[int, str] = {}
        for (task_id, unit_id), many in zip(pairs, versions, strict=True):
            member_id = people.by_unit.get(unit_id, people.office)
            times = sorted(rng.random() for _ in range(many))
            percent = 0
            for version, share in enumerate(times, start=1):
                moment = start + timedelta(seconds=int(share * span))
                # The quarter, cached per day (quarter_of converts time zones).
                day = int(share * span) // 86_400
                quarter = quarters.get(day)
                if quarter is None:
                    quarter = quarters[day] = quarter_of(moment, timezone)
                yield _report(
                    rng, commune_id, plan.id, task_id, unit_id, member_id, people.office,
                    version, many, moment, quarter, percent,
                )  # fmt: skip
                percent = min(100, percent + rng.randint(0, 100 // max(many, 1) + 10))


def _report(
    rng: random.Random,
    commune_id: int,
    plan_id: int,
    task_id: int,
    unit_id: int,
    member_id: int,
    office_id: int,
    version: int,
    versions: int,
    moment: datetime,
    quarter: str,
    percent: int,
) -> dict[str, Any]:
    last = version == versions
    roll = rng.random()
    if last and roll < 0.35:
        percent = 100
    if percent >= 100:
        status = Status.DONE
    elif roll > 0.95:
        status = Status.BLOCKED
    elif percent <= 0:
        status = Status.NOT_STARTED
    else:
        status = Status.IN_PROGRESS
    note = rng.choice(_BLOCKERS) if status == Status.BLOCKED else rng.choice(_NOTES)
    if roll < 0.7:
        # What people type is mostly their own: a day, a count, a figure.
        note += (
            f" ngày {moment.day}/{moment.month}: đạt {percent}% chỉ tiêu, "
            f"{rng.randint(1, 5000)} lượt người dân tham gia"
        )
    evidence = rng.random()
    kind = "photo" if evidence < 0.2 else "document" if evidence < 0.25 else None
    reviewed = rng.random()
    review = "accepted" if reviewed < 0.4 else "returned" if reviewed < 0.45 else None
    return {
        "commune_id": commune_id,
        "plan_id": plan_id,
        "task_id": task_id,
        "unit_id": unit_id,
        "member_id": member_id,
        "entered_by_id": office_id if roll > 0.93 else member_id,
        "version": version,
        "quarter": quarter,
        "created_at": moment,
        "status": status.value,
        "percent": percent,
        "note": note,
        "evidence_kind": kind,
        "evidence_file_id": f"gen-{plan_id}-{task_id}-{unit_id}-{version}" if kind else None,
        "evidence_path": None,
        "evidence_sha256": None,
        "evidence_text": None,
        "review_status": review,
        "reviewed_by_id": office_id if review else None,
        "reviewed_at": moment + timedelta(days=2) if review else None,
        "review_comment": rng.choice(_RETURN_COMMENTS) if review == "returned" else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--url", required=True, help="sqlite:///… or postgresql://…")
    parser.add_argument("--plans", type=int, default=5)
    parser.add_argument("--units", type=int, default=60)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    made = asyncio.run(
        generate(
            args.url, args.reports, plans=args.plans, units=args.units, year=args.year,
            seed=args.seed,
        )
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    print(
        f"{made.reports} reports in {elapsed:.1f} s: commune {made.commune_id}, "
        f"plan {made.plan_id} ({made.year}), {made.database_url}"
    )


if __name__ == "__main__":
    main()
