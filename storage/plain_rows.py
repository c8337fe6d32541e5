"""Reads that only show what they find: plain rows, not ORM objects.

A view reads a few columns of each row and changes nothing, so the session's identity
map, its per-row loading and its change tracking are work for nothing. These run on
the session's own connection, in its transaction, after the session's pending changes
(as its own queries would autoflush them); anything that writes goes through the session
as usual.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Row
from sqlmodel import Session


def plain_rows(session: Session, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row]:
    session.flush()  # nothing to do, and cheap, unless a change is waiting
    return session.connection().execute(statement, params).all()
