"""Queries about deadlines, funding windows and events: numbered per partnership,
removed softly (the row stays, so reminders and history can still refer to it); and
about each channel's weekly digest of them."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from storage.models import Deadline, Digest, Event, Partnership

Dated = Deadline | Event
DatedT = TypeVar("DatedT", Deadline, Event)  # the same one of the two in and out


def next_number(session: Session, model: type[Dated], *, partnership: Partnership) -> int:
    """Call under lock_partnership(), or two rows could draw the same number."""
    highest = session.exec(
        select(func.max(model.number)).where(model.partnership_id == partnership.id)
    ).one()
    return (highest or 0) + 1


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
    limit: int | None = None,
) -> list[Deadline]:
    """Deadlines and windows still to come (or all, with everything=True), soonest first,
    the first `limit` of them: sorted and cut in the database, not in Python.

    A window sorts by its opening while that is ahead, by its closing once it is open.
    """
    query = _soonest_first(select(Deadline), partnership, now, everything)
    return list(session.exec(query.limit(limit)))


@dataclass(frozen=True)
class FirstDeadlines:
    rows: list[Deadline]
    total: int  # how many deadlines_of() has in all


def first_deadlines(
    session: Session, *, partnership: Partnership, now: datetime, everything: bool, limit: int
) -> FirstDeadlines:
    """The first `limit` of deadlines_of(), and how many there are in all: one query."""
    query = _soonest_first(select(Deadline, func.count().over()), partnership, now, everything)
    rows = session.exec(query.limit(limit)).all()
    return FirstDeadlines([deadline for deadline, _ in rows], rows[0][1] if rows else 0)


def _soonest_first(query, partnership: Partnership, now: datetime, everything: bool):
    query = query.where(
        Deadline.team_id == partnership.team_id,
        Deadline.partnership_id == partnership.id,
        col(Deadline.removed_at).is_(None),
    )
    if not everything:
        query = query.where(col(Deadline.done_at).is_(None), Deadline.due_at >= now)
    opening_ahead = and_(col(Deadline.opens_at).is_not(None), col(Deadline.opens_at) > now)
    soonest = case((opening_ahead, Deadline.opens_at), else_=Deadline.due_at)
    return query.order_by(soonest, col(Deadline.number))


def sort_instant(deadline: Deadline, now: datetime) -> datetime:
    if deadline.opens_at is not None and deadline.opens_at > now:
        return deadline.opens_at
    return deadline.due_at


def events_of(
    session: Session, *, partnership: Partnership, now: datetime, everything: bool = False
) -> list[Event]:
    query = select(Event).where(
        Event.team_id == partnership.team_id,
        Event.partnership_id == partnership.id,
        col(Event.removed_at).is_(None),
    )
    if not everything:
        query = query.where(Event.starts_at >= now)
    return list(session.exec(query.order_by(col(Event.starts_at), col(Event.number))))


def digest_of(session: Session, *, team_id: str, channel_id: str) -> Digest | None:
    return session.exec(
        select(Digest).where(Digest.team_id == team_id, Digest.channel_id == channel_id)
    ).first()


def save_digest(session: Session, digest: Digest) -> None:
    session.add(digest)
    session.flush()  # a new row needs its id for its reminder


def delete_digest(session: Session, digest: Digest) -> None:
    session.delete(digest)
