"""The audit log: every change of data, append-only and hash-chained.

Each entry stores who did what to which object, the object before and after, and the hash
of the entry before it. Editing, inserting or deleting an entry by hand breaks the chain at
that point, which :func:`verify_chain` finds.

Entries are written in the transaction of the change they describe, so a change and its
entry commit together or not at all. Writers take the next position in the chain one at a
time: PostgreSQL by a transaction-scoped advisory lock, SQLite by its single writer (and
the position is the primary key, so two writers can never both take it).
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.clock import as_utc
from models.tables import AuditEntry, Member

GENESIS = "0" * 64
# Any fixed number will do: it names "the hamlet-bot audit chain" among advisory locks.
_AUDIT_LOCK = 0x41554454


@dataclass(frozen=True)
class Actor:
    """Who made a change: a member, the command line, or the bot on its own."""

    kind: str
    member_id: int | None = None
    name: str = ""

    @classmethod
    def of(cls, member: Member) -> "Actor":
        """A member acting in chat."""
        return cls("member", member.id, member.name)

    @property
    def label(self) -> str:
        """The stored form: ``member:<id>``, ``cli``, ``scheduler`` or ``system``."""
        return f"member:{self.member_id}" if self.kind == "member" else self.kind


CLI = Actor("cli", name="dòng lệnh")
SCHEDULER = Actor("scheduler", name="lịch nhắc")
SYSTEM = Actor("system", name="hệ thống")


def snapshot(row: object, fields: Sequence[str]) -> dict[str, Any]:
    """The named fields of a row, as the audit stores them."""
    return {name: getattr(row, name) for name in fields}


async def record_change(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    at: datetime,
    commune_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the session's transaction.

    Args:
        session: the session of the change itself.
        actor: who did it.
        action: what was done, e.g. ``member.create``, ``invite.revoke``, ``report.proxy``.
        object_type: the kind of object changed, e.g. ``member``.
        object_id: its id.
        at: when (UTC).
        commune_id: the commune, or None for a change outside any commune.
        before: the object's fields before the change (None for a creation).
        after: the object's fields after it (None for a removal).
    """
    await _lock_chain(session)
    last = (
        await session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1))
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        commune_id=commune_id,
        at=at,
        actor=actor.label,
        actor_name=actor.name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_dump(before),
        after=_dump(after),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    await session.flush()
    return entry


async def _lock_chain(session: AsyncSession) -> None:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_AUDIT_LOCK))  # type: ignore[call-overload]


def _dump(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return str(value)


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's content and of the hash before it."""
    # The position is left out: the chain itself orders the entries, so an entry inserted
    # or deleted shows as a broken link rather than as every later entry edited.
    content = [
        entry.commune_id,
        as_utc(entry.at).isoformat(timespec="microseconds"),
        entry.actor,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.before,
        entry.after,
        entry.prev_hash,
    ]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold."""

    seq: int
    kind: str  # "edited", "deleted" or "inserted"
    detail: str


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify_chain` found."""

    entries: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """Whether the whole chain holds."""
        return self.problem is None


async def verify_chain(session: AsyncSession, batch: int = 5000) -> ChainCheck:
    """Walk the chain from its start and report the first entry edited, inserted or
    deleted by hand.

    - edited: the entry's content no longer gives its stored hash;
    - deleted: a position is missing, or an entry names a predecessor that is not there;
    - inserted: an entry sits in the chain whose predecessor does not name it.
    """
    expected_seq, count = 1, 0
    prev_hash, hash_before_prev, prev_seq = GENESIS, GENESIS, 0
    while True:
        rows = list(
            await session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.seq) >= expected_seq)
                .order_by(col(AuditEntry.seq))
                .limit(batch)
            )
        )
        if not rows:
            return ChainCheck(count, None)
        for entry in rows:
            count += 1
            if entry_hash(entry) != entry.hash:
                return ChainCheck(count, ChainProblem(entry.seq, "edited", entry.action))
            if entry.prev_hash != prev_hash:
                if count > 1 and entry.prev_hash == hash_before_prev:
                    # This entry names the one two back: the one between was slipped in.
                    return ChainCheck(count, ChainProblem(prev_seq, "inserted", ""))
                detail = f"trước {entry.seq}"
                return ChainCheck(count, ChainProblem(expected_seq, "deleted", detail))
            if entry.seq != expected_seq:
                detail = f"{expected_seq}…{entry.seq - 1}"
                return ChainCheck(count, ChainProblem(expected_seq, "deleted", detail))
            hash_before_prev, prev_hash = prev_hash, entry.hash
            expected_seq, prev_seq = entry.seq + 1, entry.seq


async def list_entries(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    member_id: int | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """Entries in chain order, optionally from ``since`` and by one member."""
    statement = select(AuditEntry).order_by(col(AuditEntry.seq))
    if since is not None:
        statement = statement.where(col(AuditEntry.at) >= since)
    if member_id is not None:
        statement = statement.where(AuditEntry.actor == f"member:{member_id}")
    return list(await session.exec(statement.limit(limit)))


async def count_entries(session: AsyncSession) -> int:
    """How many entries the chain holds."""
    return int((await session.exec(select(func.count()).select_from(AuditEntry))).one())
