"""INSERT … ON CONFLICT on either database: SQLAlchemy spells it per dialect.

Two transactions racing to add the same row cannot both win, and the loser's
transaction is not aborted."""

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


def upsert(session: Session, model: type) -> "postgresql.Insert | sqlite.Insert":
    """An INSERT of this session's dialect, for its on_conflict_do_update()."""
    return upsert_in(session.get_bind().dialect.name, model)


def upsert_in(dialect: str, model: type) -> "postgresql.Insert | sqlite.Insert":
    """The same, for a dialect named as SQLAlchemy names it."""
    # Each dialect is imported when first used: a SQLite server never loads
    # PostgreSQL's dialect, whose many types every process would hold.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)


def insert_new(
    session: Session, model: type, values: Any, **conflict: Any
) -> "postgresql.Insert | sqlite.Insert":
    return upsert(session, model).values(values).on_conflict_do_nothing(**conflict)
