"""Transactions that survive losing a write race."""

import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from storage.engine import is_write_conflict, write_lock_first

T = TypeVar("T")
ATTEMPTS = 8
_jitter = random.Random()  # its own state: retries never disturb anyone else's random numbers
_WROTE = "partnerbot.wrote"  # in Session.info: this session has sent the database a change


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
    commit, or while committing a transaction that wrote nothing: SQLAlchemy has then
    replaced the pool's connections. One that wrote and lost its connection while the
    commit was on its way raises CommitUnconfirmed: the database may have committed.
    """
    for attempt in range(1, ATTEMPTS + 1):
        unconfirmed = False
        try:
            # A rerun is known to write: on SQLite it queues for the write lock up front.
            with write_lock_first() if attempt > 1 else nullcontext(), Session(engine) as session:
                result = work(session)
                if not keep(result):
                    session.rollback()
                    return result
                session.flush()  # a connection lost here has committed nothing
                unconfirmed = session.info.get(_WROTE, False)
                session.commit()
                return result
        except OperationalError as error:
            if error.connection_invalidated and unconfirmed:
                raise CommitUnconfirmed() from error
            dropped = error.connection_invalidated  # and nothing can have been saved
            if attempt == ATTEMPTS or not (dropped or is_write_conflict(error)):
                raise
            if not dropped:
                time.sleep(_jitter.uniform(0, 0.005 * 2**attempt))  # so racers part ways
    raise AssertionError("unreachable")


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True  # only a flush with changes to send gets here


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:  # session.exec(update(…))
        state.session.info[_WROTE] = True
