"""Reads that only show what they find: plain rows, not ORM objects.

A view reads a few columns of each row and changes nothing, so the session's identity
map, its per-row loading and its change tracking are work for nothing. These run on
the session's own connection, in its transaction, after the session's pending changes
(as its own queries would autoflush them); anything that writes goes through the session
as usual.
"""

from collections import namedtuple
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Executable
from sqlmodel import Session


def plain_rows(session: Session, statement: Executable, params: Mapping[str, Any]) -> Sequence[Any]:
    """Named tuples: a list reads every field of every row, and a named tuple's fields
    read much faster than a SQLAlchemy Row's."""
    session.flush()  # nothing to do, and cheap, unless a change is waiting
    result = session.connection().execute(statement, params)
    shape: Any = _shape(tuple(result.keys()))  # a named tuple class, made at run time
    return [shape._make(row) for row in result]


@cache  # one per statement's columns, and the statements are fixed
def _shape(fields: tuple[str, ...]) -> type[tuple]:
    return namedtuple("PlainRow", fields, rename=True)
