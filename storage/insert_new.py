"""INSERT … ON CONFLICT on either database: SQLAlchemy spells it per dialect.

Two transactions racing to add the same row cannot both win, and the loser's
transaction is not aborted."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def upsert(session: Session, model: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of this session's dialect, for its on_conflict_do_update()."""
    return upsert_in(session.get_bind().dialect.name, model)


def upsert_in(dialect: str, model: type) -> postgresql.Insert | sqlite.Insert:
    """The same, for a dialect named as SQLAlchemy names it."""
    return postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model)


def insert_new(
    session: Session, model: type, values: Any, **conflict: Any
) -> postgresql.Insert | sqlite.Insert:
    return upsert(session, model).values(values).on_conflict_do_nothing(**conflict)
