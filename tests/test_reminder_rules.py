"""The reminder rules as pure functions of a situation and a clock."""

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from models.clock import quarter_bounds
from models.tables import Role
from scheduler.calendar import WorkCalendar
from scheduler.config import RemindersSettings
from scheduler.rules import (
    LateUnit,
    Recipient,
    Rules,
    Situation,
    TaskRef,
    in_quiet_hours,
    quiet_hours_end,
)

TZ = "Asia/Ho_Chi_Minh"
TASK = TaskRef(1, "6.1", "Nâng cao chất lượng khám chữa bệnh")
RULES = Rules(RemindersSettings(), WorkCalendar())


def vn(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    """A moment given in Vietnam time, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def at(moment: datetime, *recipients: Recipient, deadline: date = date(2026, 12, 20)) -> Situation:
    late = (LateUnit("Trạm Y tế xã", ("Lê Văn Cường",), ("6.1",)),)
    return Situation(moment, TZ, deadline.year, deadline, recipients, late)


def officer(member_id: int = 1, **kwargs: object) -> Recipient:
    fields: dict[str, object] = {
        "open_this_quarter": (TASK,),
        "open_for_deadline": (TASK,),
        **kwargs,
    }
    return Recipient(member_id, "Lê Văn Cường", Role.OFFICER, "Trạm Y tế xã", **fields)  # type: ignore[arg-type]


def kinds(situation: Situation) -> list[tuple[int, str, str]]:
    return sorted((d.member_id, d.kind, d.period) for d in RULES.due(situation))


def test_vn_helper() -> None:
    assert vn(2026, 12, 24, 8) == datetime(2026, 12, 24, 1, 0, tzinfo=UTC)
    assert vn(2026, 12, 24, 3) == datetime(2026, 12, 23, 20, 0, tzinfo=UTC)


def test_quarterly_prompt_goes_7_days_before_quarter_end_at_8() -> None:
    assert kinds(at(vn(2026, 12, 24, 7, 59), officer())) == []
    assert kinds(at(vn(2026, 12, 24, 8, 0), officer())) == [(1, "quarterly", "2026Q4")]
    # Still relevant later in the quarter (the bot may have been down) ...
    assert (1, "quarterly", "2026Q4") in kinds(at(vn(2026, 12, 30, 15), officer()))
    # ... and stale once the quarter is over.
    assert kinds(at(vn(2027, 1, 2, 9), officer())) == []


def test_only_non_reporters_are_prompted() -> None:
    reported = officer(2, open_this_quarter=(), open_for_deadline=())
    assert kinds(at(vn(2026, 12, 24, 9), officer(1), reported)) == [(1, "quarterly", "2026Q4")]


def test_deadline_ladder_days_skip_weekends_and_stay_before_the_deadline() -> None:
    # 20/12/2026 is a Sunday: 6/12 and 13/12 are Sundays, 19/12 a Saturday.
    assert RULES.ladder_days(date(2026, 12, 20)) == [
        (14, date(2026, 12, 7)),
        (7, date(2026, 12, 14)),
        (3, date(2026, 12, 17)),
        (1, date(2026, 12, 18)),
    ]
    assert kinds(at(vn(2026, 12, 7, 8, 5), officer())) == [(1, "deadline-14", "2026")]
    due = RULES.due(at(vn(2026, 12, 14, 8, 5), officer()))
    assert [(d.kind, d.days_left) for d in due] == [("deadline-7", 6)]
    # A rung missed while the bot was down is dropped once the next rung is due.
    assert kinds(at(vn(2026, 12, 16, 10), officer())) == [(1, "deadline-7", "2026")]


def test_tet_moves_a_prompt_to_the_next_working_day() -> None:
    # A plan due 20/02/2027: 14 days before is 06/02, the first day of Tết (04–10/02).
    rungs = dict(RULES.ladder_days(date(2027, 2, 20)))
    assert rungs[14] == date(2027, 2, 11)
    assert WorkCalendar().holiday(date(2027, 2, 6)) is not None
    deadline = date(2027, 2, 20)
    assert kinds(at(vn(2027, 2, 6, 9), officer(), deadline=deadline)) == []
    assert kinds(at(vn(2027, 2, 11, 8, 1), officer(), deadline=deadline)) == [
        (1, "deadline-14", "2027")
    ]


def test_after_the_deadline_three_nudges_and_one_escalation() -> None:
    chairman = Recipient(9, "Nguyễn Văn An", Role.CHAIRMAN)
    first = kinds(at(vn(2026, 12, 21, 8, 1), officer(), chairman))
    # 21/12/2026 is a Monday: the chairman's weekly digest goes too.
    assert first == [
        (1, "overdue-1", "2026"),
        (9, "digest", "2026-W52"),
        (9, "escalation", "2026"),
    ]
    assert (1, "overdue-3", "2026") in kinds(at(vn(2026, 12, 23, 9), officer()))
    assert [k for k in kinds(at(vn(2026, 12, 24, 9), officer())) if "overdue" in k[1]] == []


def test_muting_holds_routine_prompts_but_not_deadlines() -> None:
    muted = officer(muted_until=vn(2027, 1, 31))
    assert kinds(at(vn(2026, 12, 24, 9), muted)) == []
    assert kinds(at(vn(2026, 12, 7, 9), muted)) == [(1, "deadline-14", "2026")]


def test_unreachable_members_get_nothing() -> None:
    assert kinds(at(vn(2026, 12, 7, 9), officer(reachable=False))) == []


def test_weekly_digest_goes_to_the_chairman_on_monday_at_0730() -> None:
    chairman = Recipient(9, "Nguyễn Văn An", Role.CHAIRMAN)
    assert kinds(at(vn(2026, 11, 30, 7, 29), chairman)) == []
    assert kinds(at(vn(2026, 11, 30, 7, 30), chairman)) == [(9, "digest", "2026-W49")]
    assert kinds(at(vn(2026, 12, 1, 9), chairman)) == []


def test_anti_corruption_prompt_goes_to_its_officer_or_the_office() -> None:
    office = Recipient(5, "Trần Thị Bình", Role.OFFICE)
    # 30/09 is the quarter's end; 10 days before is a Sunday, so Monday 21/09.
    assert kinds(at(vn(2026, 9, 20, 9), office)) == []
    assert kinds(at(vn(2026, 9, 21, 9), office)) == [(5, "anticorruption", "2026Q3")]
    post = Recipient(6, "Võ Văn E", Role.OFFICER, anti_corruption=True)
    assert kinds(at(vn(2026, 9, 21, 9), office, post)) == [(6, "anticorruption", "2026Q3")]


def test_quiet_hours_run_over_midnight() -> None:
    start, end = time(21, 0), time(7, 0)
    assert in_quiet_hours(vn(2026, 12, 1, 22), TZ, start, end)
    assert in_quiet_hours(vn(2026, 12, 1, 6, 59), TZ, start, end)
    assert not in_quiet_hours(vn(2026, 12, 1, 7), TZ, start, end)
    assert quiet_hours_end(vn(2026, 12, 1, 22), TZ, end) == vn(2026, 12, 2, 7)


def test_quarter_bounds() -> None:
    assert quarter_bounds(date(2026, 12, 31)) == ("2026Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_bounds(date(2027, 2, 1)) == ("2027Q1", date(2027, 1, 1), date(2027, 3, 31))


def test_remind_now_goes_to_who_owes_a_report_but_not_the_asker_the_muted_or_unreachable() -> None:
    now = vn(2026, 11, 26, 10)
    situation = at(
        now,
        officer(1),
        officer(2),  # the office clerk asking, who owes a report too
        officer(3, muted_until=vn(2026, 11, 30)),
        officer(4, reachable=False),
        officer(5, open_this_quarter=()),
        officer(6, muted_until=vn(2026, 11, 20)),  # muted until last week
    )
    dues = RULES.on_demand(
        situation,
        asked_by=2,
        period="2026-11-26T10:00",
        not_before=now,
        expires_at=vn(2026, 11, 27),
    )
    assert sorted(d.member_id for d in dues) == [1, 6]
    assert {d.kind for d in dues} == {"manual"}


def test_a_caught_up_rung_counts_days_from_today_and_waits_for_a_working_day() -> None:
    # The 7/12 rung, caught up on Wednesday 9/12: 11 days left, not 13.
    [due] = RULES.due(at(vn(2026, 12, 9, 10), officer()))
    assert (due.kind, due.days_left) == ("deadline-14", 11)
    # Not on Sunday 13/12, not in the small hours of Monday, nor in the evening's quiet hours.
    assert kinds(at(vn(2026, 12, 13, 10), officer())) == []
    assert kinds(at(vn(2026, 12, 14, 6), officer())) == []
    assert kinds(at(vn(2026, 12, 9, 22), officer())) == []
    # Monday 08:00: the next rung, with the days counted from Monday.
    assert [(d.kind, d.days_left) for d in RULES.due(at(vn(2026, 12, 14, 8), officer()))] == [
        ("deadline-7", 6)
    ]


DUE_31_03 = date(2026, 3, 31)  # a Tuesday
EARLY = TaskRef(2, "1.1", "Tuyên truyền Chỉ số PAPI")


def early_officer(member_id: int = 1, **kwargs: object) -> Recipient:
    """An officer whose task 1.1 is due 31/03 ("Quý I/2026"), and still open for it."""
    return officer(member_id, open_by_due=((DUE_31_03, (EARLY,)),), **kwargs)


def test_a_task_due_on_its_own_day_gets_the_ladder_before_that_day() -> None:
    assert RULES.ladder_days(DUE_31_03) == [
        (14, date(2026, 3, 17)),
        (7, date(2026, 3, 24)),
        # 28/03 is a Saturday: the 3-day rung moves to Monday 30/03, which the 1-day rung has.
        (1, date(2026, 3, 30)),
    ]
    assert kinds(at(vn(2026, 3, 17, 7, 59), early_officer())) == []
    [due] = RULES.due(at(vn(2026, 3, 17, 8, 5), early_officer()))
    assert (due.kind, due.period, due.days_left, due.deadline) == (
        "deadline-14", "2026-03-31", 14, DUE_31_03,
    )  # fmt: skip
    assert due.tasks == (EARLY,) and not due.routine
    # Muting holds routine prompts only: a deadline rung still goes.
    muted = early_officer(muted_until=vn(2026, 12, 31))
    assert kinds(at(vn(2026, 3, 24, 9), muted)) == [(1, "deadline-7", "2026-03-31")]
    # Caught up on Wednesday 25/03 (with the quarter's prompt): the days count from the day
    # it goes.
    [late] = [d for d in RULES.due(at(vn(2026, 3, 25, 10), early_officer())) if d.deadline]
    assert (late.kind, late.days_left) == ("deadline-7", 6)
    # Nobody with the task open (reported, or not theirs) is reminded.
    assert kinds(at(vn(2026, 3, 17, 9), officer(2))) == []


def test_after_a_tasks_own_day_overdue_nudges_without_an_escalation() -> None:
    chairman = Recipient(9, "Nguyễn Văn An", Role.CHAIRMAN)
    situation = at(vn(2026, 4, 1, 8, 5), early_officer(), chairman)
    assert kinds(situation) == [(1, "overdue-1", "2026-03-31")]
    [due] = RULES.due(situation)
    assert due.deadline == DUE_31_03 and due.tasks == (EARLY,)
    assert kinds(at(vn(2026, 4, 3, 9), early_officer())) == [(1, "overdue-3", "2026-03-31")]
    assert kinds(at(vn(2026, 4, 6, 9), early_officer())) == []


def test_a_tasks_own_ladder_and_the_year_end_ladder_are_separate_reminders() -> None:
    # Due Monday 21/12/2026, the day after the year-end report (Sunday 20/12): both ladders
    # have a rung on Monday 07/12, each going once under its own period.
    own = officer(open_by_due=((date(2026, 12, 21), (EARLY,)),))
    assert kinds(at(vn(2026, 12, 7, 8, 5), own)) == [
        (1, "deadline-14", "2026"),
        (1, "deadline-14", "2026-12-21"),
    ]
    by_period = {d.period: d for d in RULES.due(at(vn(2026, 12, 7, 8, 5), own))}
    assert by_period["2026"].deadline is None and by_period["2026"].tasks == (TASK,)
    assert by_period["2026-12-21"].tasks == (EARLY,)


MONTHLY = TaskRef(3, "1.3", "Giao ban hằng tháng")


def test_a_monthly_task_is_prompted_each_month_but_the_quarters_last() -> None:
    # January 2026 ends on a Saturday: 7 days before is Saturday 24/01, moved to Monday 26/01.
    owes = officer(open_this_quarter=(), open_this_month=(MONTHLY,))
    assert kinds(at(vn(2026, 1, 23, 9), owes)) == []
    [due] = RULES.due(at(vn(2026, 1, 26, 8, 5), owes))
    assert (due.kind, due.period, due.tasks, due.routine) == (
        "monthly",
        "2026-01",
        (MONTHLY,),
        True,
    )
    assert kinds(at(vn(2026, 2, 2, 9), owes)) == []  # January's is stale in February
    assert kinds(at(vn(2026, 1, 26, 9), officer(open_this_quarter=()))) == []
    assert kinds(at(vn(2026, 1, 26, 9), replace(owes, muted_until=vn(2026, 2, 1)))) == []
    # March ends the quarter: the quarterly prompt lists the monthly task, in plan order.
    [quarterly] = RULES.due(at(vn(2026, 3, 24, 8, 5), officer(open_this_month=(MONTHLY,))))
    assert (quarterly.kind, quarterly.tasks) == ("quarterly", (MONTHLY, TASK))
    assert kinds(at(vn(2026, 3, 24, 8, 5), owes)) == [(1, "quarterly", "2026Q1")]
