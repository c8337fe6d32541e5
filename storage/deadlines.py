"""Queries about deadlines, funding windows and events: numbered per partnership,
removed softly (the row stays, so reminders and history can still refer to it); and
about each channel's weekly digest of them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy import and_, bindparam, case, func
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from storage import numbering
from storage.models import (
    Deadline,
    Digest,
    Event,
    Partnership,
    Reminder,
    ReminderState,
)
from storage.outbox import HOME_ONLY
from storage.plain_rows import plain_rows
from storage.types import UTCDateTime

Dated = Deadline | Event
DatedT = TypeVar("DatedT", Deadline, Event)  # the same one of the two in and out
_BOTH = (False, True)  # everything, or only what is still to come


def next_number(session: Session, model: type[Dated], *, partnership: Partnership) -> int:
    """Call under lock_partnership(), or two rows could draw the same number."""
    return numbering.next_number(session, model, partnership_id=partnership.id)


def same_title_and_time(
    session: Session, model: type[DatedT], *, partnership: Partnership, title: str, at: datetime
) -> DatedT | None:
    """A live row of `partnership` with this title (any case) at this instant."""
    when = Deadline.due_at if model is Deadline else Event.starts_at
    return session.exec(
        select(model).where(
            model.team_id == partnership.team_id,
            model.partnership_id == partnership.id,
            func.lower(model.title) == title.lower(),
            when == at,
            col(model.removed_at).is_(None),
        )
    ).first()


def passed_repeating(session: Session, *, now: datetime) -> list[Deadline]:
    """The latest occurrences of repeating deadlines, in any workspace, that have passed
    undone: each needs its next occurrence."""
    return list(
        session.exec(
            select(Deadline).where(
                col(Deadline.repeats).is_not(None),
                col(Deadline.removed_at).is_(None),
                col(Deadline.done_at).is_(None),
                Deadline.due_at <= now,
            )
        )
    )


def pending_reminders(session: Session, *, subject: str, subject_id: int) -> list[Reminder]:
    """The reminders planned for one deadline or event and not yet posted, soonest first
    (not its Home refreshes: they are posted nowhere)."""
    return list(
        session.exec(
            select(Reminder)
            .where(
                Reminder.subject == subject,
                Reminder.subject_id == subject_id,
                Reminder.state == ReminderState.PENDING,
                Reminder.channel_id != HOME_ONLY,
            )
            .order_by(col(Reminder.due_at))
        )
    )


def numbered(
    session: Session, model: type[DatedT], *, partnership: Partnership, number: int
) -> DatedT | None:
    return session.exec(
        select(model).where(
            model.team_id == partnership.team_id,
            model.partnership_id == partnership.id,
            model.number == number,
            col(model.removed_at).is_(None),
        )
    ).first()


def deadlines_of(
    session: Session,
    *,
    partnership: Partnership,
    now: datetime,
    everything: bool = False,
) -> list[Deadline]:
    """Deadlines and windows still to come (or all, with everything=True), soonest first:
    sorted in the database, not in Python.

    A window sorts by its opening while that is ahead, by its closing once it is open.
    """
    return list(session.exec(_DEADLINES[everything], params=_scope(partnership, now)))


class DeadlineShown(Protocol):
    """What a list shows of a deadline: a Deadline, or a plain row of first_deadlines()."""

    id: int | None
    number: int
    title: str
    opens_at: datetime | None
    due_at: datetime
    done_at: datetime | None


class EventShown(Protocol):
    """What a list shows of an event: an Event, or a plain row of listed_events()."""

    id: int | None
    number: int
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None


ShownT = TypeVar("ShownT", DeadlineShown, EventShown)


@dataclass(frozen=True)
class Listed(Generic[ShownT]):
    """The first rows of a list, as plain rows of what it shows, how many there are in
    all, and the latest failure of each one's reminders (by id) for the note the list
    shows beside it."""

    rows: Sequence[ShownT]
    total: int
    failed: dict[int, str]


def _latest_failure(model: type[Dated], subject: str):
    return (
        select(func.coalesce(Reminder.outcome, "unknown"))
        .where(
            Reminder.subject == subject,
            Reminder.subject_id == model.id,
            Reminder.state == ReminderState.FAILED,
        )
        .order_by(col(Reminder.finished_at).desc())
        .limit(1)
        .correlate(model)
        .scalar_subquery()
    )


def _first_deadlines_query(everything: bool):
    d = Deadline
    shown = [col(c) for c in (d.id, d.number, d.title, d.opens_at, d.due_at, d.done_at)]
    failure = _latest_failure(Deadline, "deadline").label("failure")
    query = select_rows(*shown, func.count().over().label("total"), failure)
    return _soonest_first(query, everything).limit(bindparam("limit"))


def first_deadlines(
    session: Session, *, partnership: Partnership, now: datetime, everything: bool, limit: int
) -> Listed[DeadlineShown]:
    """The first `limit` of deadlines_of(), how many there are in all and their
    reminders' failures: one query."""
    params = _scope(partnership, now) | {"limit": limit}
    rows = plain_rows(session, _FIRST_DEADLINES[everything], params)
    return _listed(rows, rows[0].total if rows else 0)


def _scope(partnership: Partnership, now: datetime) -> dict:
    return {"team_id": partnership.team_id, "partnership_id": partnership.id, "now": now}


def _listed(rows, total: int) -> Listed:
    failed = {row.id: row.failure for row in rows if row.failure is not None}
    return Listed(rows, total, failed)


def _soonest_first(query, everything: bool):
    now = bindparam("now", type_=UTCDateTime)
    query = query.where(
        Deadline.team_id == bindparam("team_id"),
        Deadline.partnership_id == bindparam("partnership_id"),
        col(Deadline.removed_at).is_(None),
    )
    if not everything:
        query = query.where(col(Deadline.done_at).is_(None), Deadline.due_at >= now)
    opening_ahead = and_(col(Deadline.opens_at).is_not(None), col(Deadline.opens_at) > now)
    soonest = case((opening_ahead, Deadline.opens_at), else_=Deadline.due_at)
    return query.order_by(soonest, col(Deadline.number))


# Built once, as is every list a command shows: building one costs more than running it.
_DEADLINES = {
    everything: _soonest_first(select(Deadline), everything) for everything in (False, True)
}
_FIRST_DEADLINES = {everything: _first_deadlines_query(everything) for everything in (False, True)}


def sort_instant(deadline: Deadline, now: datetime) -> datetime:
    if deadline.opens_at is not None and deadline.opens_at > now:
        return deadline.opens_at
    return deadline.due_at


def _events_query(query, everything: bool):
    query = query.where(
        col(Event.team_id) == bindparam("team_id"),
        col(Event.partnership_id) == bindparam("partnership_id"),
        col(Event.removed_at).is_(None),
    )
    if not everything:
        query = query.where(col(Event.starts_at) >= bindparam("now", type_=UTCDateTime))
    return query.order_by(col(Event.starts_at), col(Event.number))


def _listed_events_query(everything: bool):
    e = Event
    shown = [col(c) for c in (e.id, e.number, e.title, e.starts_at, e.ends_at, e.place)]
    failure = _latest_failure(Event, "event").label("failure")
    return _events_query(select_rows(*shown, failure), everything)


_EVENTS = {everything: _events_query(select(Event), everything) for everything in _BOTH}
_LISTED_EVENTS = {everything: _listed_events_query(everything) for everything in _BOTH}


def events_of(
    session: Session, *, partnership: Partnership, now: datetime, everything: bool = False
) -> list[Event]:
    return list(session.exec(_EVENTS[everything], params=_scope(partnership, now)))


def listed_events(
    session: Session, *, partnership: Partnership, now: datetime, everything: bool
) -> Listed[EventShown]:
    """events_of() as plain rows, with their reminders' failures: one query."""
    rows = plain_rows(session, _LISTED_EVENTS[everything], _scope(partnership, now))
    return _listed(rows, len(rows))


def digest_of(session: Session, *, team_id: str, channel_id: str) -> Digest | None:
    return session.exec(
        select(Digest).where(Digest.team_id == team_id, Digest.channel_id == channel_id)
    ).first()


def save_digest(session: Session, digest: Digest) -> None:
    session.add(digest)
    session.flush()  # a new row needs its id for its reminder


def delete_digest(session: Session, digest: Digest) -> None:
    session.delete(digest)
