"""Dated reminders into the outbox: which rows a deadline, window or event has.

Each kind says when it reminds (reminders.deadline, .window, .event); `replan()` writes
that plan to the outbox in the caller's transaction, so adding, moving, finishing or
removing a date changes its reminders atomically.

Beside the reminders a channel hears, every live date has rows posted nowhere
(storage.outbox.HOME_ONLY) at the moments its partnership's Home tabs change by
themselves: when a deadline or event passes and a window opens. They are planned
whether or not the date has a channel or any reminders, and the dispatcher has the
Homes republished at those moments.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reminders.deadline import deadline_rungs
from reminders.event import event_rungs
from reminders.ladder import Rung
from reminders.working_days import DEFAULT_NATION
from storage import outbox
from storage.deadlines import Dated
from storage.models import Deadline, Event, Partnership, Reminder, saved_id

PASSED = "passed"  # a HOME_ONLY row's rung: one of the date's moments has passed
# A Home refresh missed by more than this (the bot was down) is left undone: a Home is
# built afresh whenever it is opened, and one left open that long is not being read.
HOME_REFRESH_GRACE = timedelta(days=1)
# A list still shows a date at its very moment ("due … (now)", storage.deadlines keeps
# due_at >= now): the Home changes just after it.
JUST_AFTER = timedelta(seconds=1)


def rungs_of(row: Dated, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    if isinstance(row, Deadline):
        return deadline_rungs(row, tz, nation)
    return event_rungs(row, tz, nation)


def nation_of(session: Session, row: Dated) -> str:
    """The bank holidays that `row`'s reminders keep off (its partnership's nation)."""
    partnership = session.get(Partnership, row.partnership_id)  # usually loaded already
    return partnership.nation if partnership is not None else DEFAULT_NATION


def subject_of(row: Dated) -> str:
    return subject_of_model(type(row))


def subject_of_model(model: type[Dated]) -> str:
    return "deadline" if model is Deadline else "event"


def planned(
    row: Dated, tz: ZoneInfo, now: datetime, nation: str = DEFAULT_NATION
) -> list[Reminder]:
    """The reminders still to come, as outbox rows. Rungs already past are not planned:
    a deadline added three days ahead does not announce its 14-day reminder late."""
    if row.channel_id is None:
        return []
    return [
        _outbox_row(row, rung.name, rung.due_at, rung.expires_at, row.channel_id)
        for rung in rungs_of(row, tz, nation)
        if rung.due_at > now
    ]


def home_refreshes(row: Dated, now: datetime) -> list[Reminder]:
    """The HOME_ONLY rows still to come: when the date passes (a deadline's due time, an
    event's start: the Home lists neither after it) and when a window opens."""
    if isinstance(row, Deadline):
        live = not (row.done_at or row.removed_at)
        moments = [row.opens_at, row.due_at] if live else []
    else:
        moments = [] if row.removed_at else [row.starts_at]
    return [
        _outbox_row(row, PASSED, moment + JUST_AFTER, moment + HOME_REFRESH_GRACE, outbox.HOME_ONLY)
        for moment in moments
        if moment is not None and moment > now
    ]


def _outbox_row(
    row: Dated, rung: str, due_at: datetime, expires_at: datetime, channel_id: str
) -> Reminder:
    return Reminder(
        team_id=row.team_id,
        partnership_id=row.partnership_id,
        subject=subject_of(row),
        subject_id=saved_id(row),
        rung=rung,
        due_at=due_at,
        expires_at=expires_at,
        channel_id=channel_id,
    )


def whole_plan(session: Session, row: Dated, tz: ZoneInfo, now: datetime) -> list[Reminder]:
    """Every outbox row `row` has still to come: its reminders and its Home refreshes."""
    return planned(row, tz, now, nation_of(session, row)) + home_refreshes(row, now)


def plan_all(session: Session, tz: ZoneInfo, now: datetime) -> None:
    """At start: the plan of every date still ahead that has no Home refresh planned
    (dates entered before reminders, or before Home refreshes, existed). Rows it already
    has are kept as they are (the outbox's unique key), and nothing is removed, so a
    replica starting while another posts changes nothing it relies on; a database whose
    dates are all planned costs one indexed query per kind, not one per date."""
    for model, when in ((Deadline, Deadline.due_at), (Event, Event.starts_at)):
        subject = subject_of_model(model)
        rows = outbox.never_planned(session, model, subject, when=when, now=now)
        outbox.add_missing(session, [r for row in rows for r in whole_plan(session, row, tz, now)])


def replan(session: Session, row: Dated, tz: ZoneInfo, now: datetime) -> None:
    """After a change to `row`: its pending rows become exactly its plan."""
    session.flush()  # a new row needs its id
    wanted = whole_plan(session, row, tz, now)
    outbox.replace_pending(
        session, subject=subject_of(row), subject_id=saved_id(row), wanted=wanted
    )
