"""Transactions that survive losing a write race."""

import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from storage.engine import is_write_conflict, write_lock_first

T = TypeVar("T")
ATTEMPTS = 8
_jitter = random.Random()  # its own state: retries never disturb anyone else's random numbers


class CommitUnconfirmed(Exception):
    """The connection was lost while the database was asked to commit: the work may or
    may not be saved, so it is not run again (that could save it twice), and whoever
    asked must be told to look before they repeat it."""


def in_transaction(
    engine: Engine, work: Callable[[Session], T], *, keep: Callable[[T], bool] = lambda _: True
) -> T:
    """Run `work` in a transaction, committed if `keep(result)`, else rolled back.

    A transaction that lost a write race is run again from scratch: work here is a
    pure function of the session, and the loser's changes were rolled back. So is one
    whose connection the database had dropped (a restart) before it was asked to
    commit: SQLAlchemy has then replaced the pool's connections. One dropped while the
    commit was on its way raises CommitUnconfirmed: the database may have committed.
    """
    for attempt in range(1, ATTEMPTS + 1):
        committing = False
        try:
            # A rerun is known to write: on SQLite it queues for the write lock up front.
            with write_lock_first() if attempt > 1 else nullcontext(), Session(engine) as session:
                result = work(session)
                committing = keep(result)
                if committing:
                    session.commit()
                else:
                    session.rollback()
                return result
        except OperationalError as error:
            if error.connection_invalidated and committing:
                raise CommitUnconfirmed() from error
            dropped = error.connection_invalidated  # before the commit: nothing was saved
            if attempt == ATTEMPTS or not (dropped or is_write_conflict(error)):
                raise
            if not dropped:
                time.sleep(_jitter.uniform(0, 0.005 * 2**attempt))  # so racers part ways
    raise AssertionError("unreachable")
