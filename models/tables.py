"""The database tables. Every table carries its commune, so one database can hold many.

Times are stored in UTC (see :func:`models.clock.as_utc` for reading them back: SQLite
returns naive datetimes).
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    """What a member may do (see DESIGN.md, "People")."""

    CHAIRMAN = "chairman"
    OFFICE = "office"
    OFFICER = "officer"
    HAMLET_HEAD = "hamlet_head"


class UnitKind(StrEnum):
    """A unit of the commune, or one of its hamlets."""

    UNIT = "unit"
    HAMLET = "hamlet"


class TaskRole(StrEnum):
    """How a unit takes part in a task."""

    LEAD = "lead"
    COORDINATING = "coordinating"


class Timeframe(StrEnum):
    """When a task is due: by the year-end report, or reported every quarter."""

    YEAR = "year"
    ONGOING = "ongoing"


class Status(StrEnum):
    """The progress a report states."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


def _utc_column(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class Commune(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    timezone: str
    # The province it belongs to, as `hamlet-bot commune add --province` gave it.
    province: str | None = None


class CommuneProfile(SQLModel, table=True):
    """What the commune's documents and reminders say about it: who it reports to, who
    signs (models.commune_profile). Two layers of values, each a JSON object of the keys
    given: ``set_values`` from `hamlet-bot commune set`, which win, and ``config_values``
    as the config file's [commune] section gave them at the last start.
    """

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", unique=True)
    set_values: str = Field(default="{}", sa_type=Text)
    config_values: str = Field(default="{}", sa_type=Text)


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("commune_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    # The folded name for units, "hamlet-<n>" for hamlets: stable while the name is edited.
    key: str
    name: str
    kind: str = Field(default=UnitKind.UNIT)
    position: int = 0
    anti_corruption: bool = False


class UnitAlias(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("commune_id", "folded"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    folded: str


class Plan(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("commune_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    year: int
    number: str
    title: str
    # The year of the plan this one was copied from, when it was (the seed is 2023's).
    source_year: int | None = None
    issued: date | None = None
    report_deadline: date


class Area(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    name: str


class Task(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    area_id: int = Field(foreign_key="area.id")
    code: str
    area_number: int
    position: int
    text: str = Field(sa_type=Text)
    result: str
    # The plan's "Chỉ tiêu" cell, if the plan has that column.
    target: str = ""
    lead_text: str
    coordinating_text: str
    timeframe: str = Field(default=Timeframe.YEAR)
    timeframe_text: str
    # The deadline read from timeframe_text (models.deadlines): how often the task is due,
    # its own due dates (ISO, comma-separated) for a "once" task, and whether the text was
    # not understood (then it is taken as due by the year-end report).
    repeat: str = "yearly"
    due_dates: str = ""
    deadline_guessed: bool = False
    involves_hamlets: bool = False
    # Set by a rollover: the task of the previous year's plan this one continues.
    carried_from_id: int | None = Field(default=None, foreign_key="task.id")


class TaskUnit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(default=TaskRole.LEAD)


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    name: str
    role: str
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    created_at: datetime = Field(sa_column=_utc_column())
    # Routine prompts wait until then (/tamdung); deadline messages still go.
    muted_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ChatAccount(SQLModel, table=True):
    """A member's account on one chat channel (Telegram, Zalo): a member may have one on
    each. One account is one member, across every commune in the database.
    """

    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        UniqueConstraint("member_id", "channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    channel: str
    # The channel's id of the person, and of the chat with them, as text (Zalo's are text).
    external_id: str
    chat_id: str
    linked_at: datetime = Field(sa_column=_utc_column())
    last_seen_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # Set when the channel says the person blocked the bot; cleared when they write again.
    unreachable_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The options this chat was offered last, as JSON (models/chat.py Menu): a typed
    # number, label or word chooses one of them.
    menu: str | None = None


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    # Only a hash is kept: a leaked database does not leak usable codes.
    code_hash: str = Field(unique=True)
    created_at: datetime = Field(sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())
    used_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # A newer invite for the same member, or the office, made this code void.
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The member is linked already and another account redeemed this code: the link moves
    # only when the office confirms. The claiming account waits here until then.
    claimant_channel: str | None = None
    claimant_external_id: str | None = None
    claimant_chat: str | None = None
    claimant_name: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Report(SQLModel, table=True):
    """One statement of progress. Append-only: a correction is a new version."""

    __table_args__ = (
        UniqueConstraint("task_id", "unit_id", "version"),
        # The latest version of each task x unit of a plan is one probe of this index
        # (models.reports.latest_reports), however many versions pile up. It serves the
        # lookups by plan too: plan_id has no index of its own, which PostgreSQL could
        # take for the probe when its statistics do not know a new plan yet (then reading
        # the whole plan for every task x unit).
        Index("ix_report_latest", "plan_id", "task_id", "unit_id", "version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    entered_by_id: int = Field(foreign_key="member.id")
    version: int
    quarter: str = Field(index=True)
    created_at: datetime = Field(sa_column=_utc_column())
    status: str
    percent: int
    note: str = Field(default="", sa_type=Text)
    evidence_kind: str | None = None
    evidence_file_id: str | None = None
    evidence_path: str | None = None
    evidence_sha256: str | None = None
    evidence_text: str | None = None
    # The office's review: None until reviewed, then "accepted" or "returned".
    review_status: str | None = Field(default=None, index=True)
    reviewed_by_id: int | None = Field(default=None, foreign_key="member.id")
    reviewed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    review_comment: str | None = Field(default=None, sa_type=Text)


class ReportDraft(SQLModel, table=True):
    """A report half-entered: the state of one member's report conversation."""

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    step: str
    page: int = 0
    task_id: int | None = Field(default=None, foreign_key="task.id")
    status: str | None = None
    percent: int | None = None
    note: str | None = Field(default=None, sa_type=Text)
    evidence_kind: str | None = None
    evidence_file_id: str | None = None
    evidence_path: str | None = None
    evidence_sha256: str | None = None
    evidence_text: str | None = None
    # Evidence after the first (a second photo, the rest of an album), as JSON: a list of
    # models.evidence_items.EvidenceItem; and the album the last item came in.
    evidence_more: str | None = Field(default=None, sa_type=Text)
    evidence_album: str | None = None
    # The office entering a report phoned in: the member it is for, and the unit it is
    # for (the unit alone when nobody of it is on the bot).
    on_behalf_of_id: int | None = Field(default=None, foreign_key="member.id")
    on_behalf_of_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    updated_at: datetime = Field(sa_column=_utc_column())


class ReportEvidence(SQLModel, table=True):
    """One item of a report's evidence, in the order sent. The report's own evidence
    columns keep the first item, as before several were allowed.
    """

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    position: int
    kind: str
    file_id: str | None = None
    path: str | None = None
    sha256: str | None = None
    text: str | None = None


class ReminderStatus(StrEnum):
    """Where one reminder stands."""

    PENDING = "pending"  # recorded, not yet sent (held by quiet hours, or a retry is due)
    SENDING = "sending"  # taken by one sender on a lease; taken again once it runs out
    SENT = "sent"
    BLOCKED = "blocked"  # the member blocked the bot (403)
    FAILED = "failed"  # gave up after retries, or Telegram refused it
    EXPIRED = "expired"  # its period passed before it could go


class Reminder(SQLModel, table=True):
    """One message the scheduler decided to send. The unique key is recorded *before* the
    send, so a restart, a retried job or a second scheduler cannot send it twice.
    """

    __table_args__ = (UniqueConstraint("member_id", "kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str
    period: str
    text: str = Field(sa_type=Text)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    status: str = Field(default=ReminderStatus.PENDING, index=True)
    attempts: int = 0
    error: str | None = None
    created_at: datetime = Field(sa_column=_utc_column())
    not_before: datetime = Field(sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # While ``sending``: the sender holds the row until then; past it, another takes it.
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ReviewDraft(SQLModel, table=True):
    """An office member's review in progress: a card shown (``step`` "shown": typed "1",
    "đồng ý"… answer it), or a report being returned, waiting for the comment ("comment").
    """

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    report_id: int = Field(foreign_key="report.id")
    step: str = Field(default="comment", sa_column_kwargs={"server_default": "comment"})
    updated_at: datetime = Field(sa_column=_utc_column())


class PendingImport(SQLModel, table=True):
    """A plan file the office sent in chat: dry run shown, waiting for confirmation."""

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    file_id: str
    file_name: str
    year: int
    created_at: datetime = Field(sa_column=_utc_column())
    # The channel the file came on: the file is fetched there again when confirmed, from
    # whichever channel the confirmation comes.
    channel: str = Field(default="telegram", sa_column_kwargs={"server_default": "telegram"})


class ProcessedUpdate(SQLModel, table=True):
    """An update from a chat channel already handled: seen again (a redelivery after a crash
    or a failed webhook), it is ignored. Recorded in the transaction of the update's work,
    so the work and the mark commit together. Old rows are purged after some days.
    """

    __table_args__ = (UniqueConstraint("channel", "update_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    # Telegram's update_id (Zalo has none: its message id), as text.
    update_key: str
    seen_at: datetime = Field(sa_column=_utc_column())


class AuditEntry(SQLModel, table=True):
    """One change of data, append-only. Each entry carries the hash of the one before it,
    so an entry edited, inserted or deleted by hand breaks the chain (see models.audit).
    """

    # The chain's order: one entry per position, so two writers cannot fork the chain.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    commune_id: int | None = Field(default=None, index=True)
    at: datetime = Field(sa_column=_utc_column())
    # Who did it: "member:<id>", "cli", "scheduler" or "system".
    actor: str
    actor_name: str = ""
    action: str = Field(index=True)
    object_type: str
    object_id: str
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    prev_hash: str
    hash: str = Field(unique=True)


class TaskVersion(SQLModel, table=True):
    """A task's text as it stood before a plan import changed or removed it. No foreign key:
    the version outlives a task that was removed.
    """

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(index=True)
    task_id: int = Field(index=True)
    plan_id: int
    code: str
    text: str = Field(sa_type=Text)
    result: str
    lead_text: str
    coordinating_text: str
    timeframe: str
    timeframe_text: str
    replaced_at: datetime = Field(sa_column=_utc_column())
    # "changed" or "removed"
    reason: str
