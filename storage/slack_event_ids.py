"""Dedupe of Events API deliveries, shared by every replica through the database."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import SlackEvent

_INSERT: dict[str, Callable[..., postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def claim_event(session: Session, *, event_id: str, team_id: str, now: datetime) -> bool:
    """True the first time an event id is seen, False for every retry of it.

    INSERT .. ON CONFLICT DO NOTHING: two replicas racing on one retry cannot both win,
    and a loser does not abort the surrounding transaction.
    """
    insert = _INSERT[session.get_bind().dialect.name]
    statement = (
        insert(SlackEvent)
        .values(event_id=event_id, team_id=team_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        # RETURNING, not rowcount: psycopg 3 reports rowcount -1 for this statement.
        .returning(col(SlackEvent.event_id))
    )
    return session.exec(statement).first() is not None


def forget_events(session: Session, *, before: datetime) -> None:
    """Slack retries an event for minutes, not days: older ids need not be remembered."""
    session.exec(delete(SlackEvent).where(col(SlackEvent.received_at) < before))
