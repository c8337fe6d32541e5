"""Dedupe of Events API deliveries, shared by every replica through the database."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.insert_new import insert_new
from storage.upkeep_tables import SlackEvent


def claim_event(session: Session, *, event_id: str, team_id: str, now: datetime) -> bool:
    """True the first time an event id is seen, False for every retry of it.

    Two replicas racing on one retry cannot both win.
    """
    row = {"event_id": event_id, "team_id": team_id, "received_at": now}
    statement = (
        insert_new(session, SlackEvent, row, index_elements=["event_id"])
        # RETURNING, not rowcount: psycopg 3 reports rowcount -1 for this statement.
        .returning(col(SlackEvent.event_id))
    )
    return session.exec(statement).first() is not None


def forget_events(session: Session, *, before: datetime) -> int:
    """Slack retries an event for minutes, not days: older ids need not be remembered."""
    return session.exec(delete(SlackEvent).where(col(SlackEvent.received_at) < before)).rowcount
