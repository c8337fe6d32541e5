"""Dated reminders into the outbox: which rows a deadline, window or event has.

Each kind says when it reminds (reminders.deadline, .window, .event); `replan()` writes
that plan to the outbox in the caller's transaction, so adding, moving, finishing or
removing a date changes its reminders atomically.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reminders.deadline import deadline_rungs
from reminders.event import event_rungs
from reminders.ladder import Rung
from reminders.working_days import DEFAULT_NATION
from storage import outbox
from storage.deadlines import Dated
from storage.models import Deadline, Event, Partnership, Reminder, saved_id


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
        Reminder(
            team_id=row.team_id,
            partnership_id=row.partnership_id,
            subject=subject_of(row),
            subject_id=saved_id(row),
            rung=rung.name,
            due_at=rung.due_at,
            expires_at=rung.expires_at,
            channel_id=row.channel_id,
        )
        for rung in rungs_of(row, tz, nation)
        if rung.due_at > now
    ]


def plan_all(session: Session, tz: ZoneInfo, now: datetime) -> None:
    """At start: reminders for dates still ahead that have none at all (dates entered
    before reminders existed). Never removes, so a replica starting while another posts
    changes nothing it relies on; and a database whose dates are all planned costs one
    indexed query per kind, not one per date."""
    for model, when in ((Deadline, Deadline.due_at), (Event, Event.starts_at)):
        subject = subject_of_model(model)
        for row in outbox.never_planned(session, model, subject, when=when, now=now):
            outbox.add_missing(session, planned(row, tz, now, nation_of(session, row)))


def replan(session: Session, row: Dated, tz: ZoneInfo, now: datetime) -> None:
    """After a change to `row`: its pending reminders become exactly its plan."""
    session.flush()  # a new row needs its id
    wanted = planned(row, tz, now, nation_of(session, row))
    outbox.replace_pending(
        session, subject=subject_of(row), subject_id=saved_id(row), wanted=wanted
    )
