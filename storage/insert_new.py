"""INSERT … ON CONFLICT DO NOTHING on either database: SQLAlchemy spells it per dialect.

Two transactions racing to add the same row cannot both win, and the loser's
transaction is not aborted."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_new(
    session: Session, model: type, values: Any, **conflict: Any
) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).values(values).on_conflict_do_nothing(**conflict)
    return sqlite.insert(model).values(values).on_conflict_do_nothing(**conflict)
