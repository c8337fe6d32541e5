"""Calendar subscriptions (`/deadline feed`): a private URL per officer and partnership,
and the SEQUENCE every deadline and event carries into it.

Only a SHA-256 of each URL's token is kept. The token is the whole credential (a
calendar client sends nothing else), so a leaked database or backup would otherwise
hand out every partnership's calendar; a token of 256 random bits needs no salt or
slow hash to stay unguessable from its digest. The price: the bot cannot show a URL
twice, so an officer who lost theirs resets it, which only stops their own.
"""

import hashlib
from datetime import datetime

from sqlalchemy import UniqueConstraint, delete, event
from sqlalchemy.orm import Mapper, object_session
from sqlmodel import Field, Session, SQLModel, col, select

from storage.columns import SLACK_ID, parent
from storage.models import Deadline, Event, Membership, Partnership, Role, saved_id
from storage.types import UTCDateTime


class CalendarFeed(SQLModel, table=True):
    """One officer's subscription URL to one partnership's calendar."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        UniqueConstraint("partnership_id", "user_id", name="uq_calendar_feed_officer"),
        UniqueConstraint("token_sha256", name="uq_calendar_feed_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    user_id: str = Field(max_length=SLACK_ID)  # the officer who asked for it
    token_sha256: str = Field(max_length=64)  # hex; the token itself is never stored
    created_at: datetime = Field(sa_type=UTCDateTime)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(session: Session, *, partnership: Partnership, user_id: str) -> CalendarFeed | None:
    return session.exec(
        select(CalendarFeed).where(
            CalendarFeed.team_id == partnership.team_id,
            CalendarFeed.partnership_id == partnership.id,
            CalendarFeed.user_id == user_id,
        )
    ).first()


def replace_feed(
    session: Session, *, partnership: Partnership, user_id: str, token: str, now: datetime
) -> None:
    """The officer's feed from now on answers to `token` only: the old URL stops."""
    revoke_feeds(session, partnership=partnership, user_id=user_id)
    session.flush()  # the old row goes before the new one takes its unique key
    session.add(
        CalendarFeed(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            user_id=user_id,
            token_sha256=digest(token),
            created_at=now,
        )
    )


def revoke_feeds(session: Session, *, partnership: Partnership, user_id: str) -> int:
    """Deletes the person's feeds of the partnership; also for `/partnership forget`."""
    return session.exec(
        delete(CalendarFeed).where(
            col(CalendarFeed.team_id) == partnership.team_id,
            col(CalendarFeed.partnership_id) == partnership.id,
            col(CalendarFeed.user_id) == user_id,
        )
    ).rowcount


def partnership_of_token(session: Session, *, token: str) -> Partnership | None:
    """The partnership whose calendar the token opens: only while the officer who
    asked for it is still one of its officers (a URL outlives nobody's role)."""
    return session.exec(
        select(Partnership)
        .join(CalendarFeed, col(CalendarFeed.partnership_id) == Partnership.id)
        .join(
            Membership,
            (col(Membership.partnership_id) == CalendarFeed.partnership_id)
            & (col(Membership.user_id) == CalendarFeed.user_id),
        )
        .where(CalendarFeed.token_sha256 == digest(token), Membership.role == Role.OFFICER)
    ).first()


def _bump_sequence(_mapper: Mapper, _connection, target: Deadline | Event) -> None:
    """Every change to a deadline or event counts, whichever command made it (move,
    rename, done, remove, new reminders): in SQL, so two changes at once both count."""
    session = object_session(target)
    if session is not None and session.is_modified(target, include_collections=False):
        target.sequence = type(target).sequence + 1


for _model in (Deadline, Event):
    event.listen(_model, "before_update", _bump_sequence)


def calendar_rows(
    session: Session, *, partnership: Partnership
) -> tuple[list[Deadline], list[Event]]:
    """Every deadline and event of the partnership, removed ones too: a feed marks
    those cancelled, so subscribed calendars drop them."""
    deadlines = session.exec(
        select(Deadline)
        .where(Deadline.team_id == partnership.team_id, Deadline.partnership_id == partnership.id)
        .order_by(col(Deadline.due_at), col(Deadline.number))
    )
    events = session.exec(
        select(Event)
        .where(Event.team_id == partnership.team_id, Event.partnership_id == partnership.id)
        .order_by(col(Event.starts_at), col(Event.number))
    )
    return list(deadlines), list(events)
