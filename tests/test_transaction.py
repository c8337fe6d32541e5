"""A PostgreSQL connection dropped under a transaction (a restart, a proxy, a failover).

Before the commit was asked for, nothing was saved: the work runs again, once. While
the commit of a change was on its way nobody can tell whether the database committed,
so the work is not run again (that could save it twice) and the user is told to look
first; a read has nothing to lose, and is run again.
"""

from dataclasses import replace

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, func, select

from commands.assess.threads import thread_reply
from commands.dispatch import dispatch
from storage.engine import make_engine
from storage.models import AssessAnswer, Partnership
from storage.partnerships import create_partnership, name_key
from storage.transaction import CommitUnconfirmed, in_transaction
from tests.helpers import CHAIR, CTX, NOW, postgresql_only, started_run

pytestmark = postgresql_only


@pytest.fixture
def pg_engine(empty_postgres_url):
    engine = make_engine(empty_postgres_url)
    yield engine
    engine.dispose()


def drop_connection(session: Session) -> None:
    """The database ends this session's connection, as a restart would."""
    pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with session.get_bind().connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.fixture
def cut_commit(pg_engine):
    """Call it, and the next session on pg_engine to commit loses its connection just as
    it is asked to."""
    armed = []

    def drop(session: Session) -> None:
        if armed and session.get_bind() is pg_engine:
            armed.clear()
            drop_connection(session)

    event.listen(OrmSession, "before_commit", drop)
    yield lambda: armed.append(True)
    event.remove(OrmSession, "before_commit", drop)


def partnerships(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Partnership)).one()


def create(session: Session) -> None:
    create_partnership(session, team_id="T1", name="Spelthorne LSP", user_id="U1", now=NOW)
    session.flush()


def test_a_connection_dropped_before_the_commit_runs_the_work_again_once(pg_engine):
    attempts = []

    def work(session: Session) -> None:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            drop_connection(session)
        create(session)

    in_transaction(pg_engine, work)
    assert attempts == [1, 2] and partnerships(pg_engine) == 1


def test_a_connection_dropped_during_the_commit_is_not_run_again(pg_engine, cut_commit):
    attempts = []
    cut_commit()

    def work(session: Session) -> None:
        attempts.append(1)
        create(session)

    with pytest.raises(CommitUnconfirmed):
        in_transaction(pg_engine, work)
    assert attempts == [1]


def test_a_read_cut_off_while_committing_is_run_again(pg_engine, cut_commit):
    attempts = []

    def work(session: Session) -> int:
        attempts.append(1)
        return session.exec(select(func.count()).select_from(Partnership)).one()

    cut_commit()
    assert in_transaction(pg_engine, work) == 0 and len(attempts) == 2


def test_a_change_whose_last_flush_is_cut_off_is_run_again_once(pg_engine):
    """Changes flushed earlier in the transaction were never committed either."""
    attempts = []

    def work(session: Session) -> None:
        attempts.append(1)
        create(session)  # flushed at once
        name = "Runnymede LSP"  # pending, for the flush before the commit
        session.add(
            Partnership(
                team_id="T1", name=name, name_key=name_key(name), created_by="U1", created_at=NOW
            )
        )
        if len(attempts) == 1:
            drop_connection(session)

    in_transaction(pg_engine, work)
    assert len(attempts) == 2 and partnerships(pg_engine) == 2


def test_a_command_cut_off_while_saving_says_it_cannot_tell(pg_engine, cut_commit):
    cut_commit()
    reply = dispatch(pg_engine, CTX, "/partnership", "create Spelthorne LSP")
    assert not reply.ok
    assert "cannot tell whether it was saved" in reply.text
    assert "Type `/partnership` to see what is saved now" in reply.text
    assert "nothing was saved" not in reply.text


def test_a_thread_reply_cut_off_while_saving_asks_to_look_before_sending_again(
    pg_engine, cut_commit
):
    template = started_run(pg_engine)
    cut_commit()
    posts = thread_reply(
        pg_engine, replace(template, message_ts="1.000001", user_id=CHAIR, text="Yes")
    )
    assert len(posts) == 1 and posts[0].private_to == CHAIR
    assert "can't tell whether it was recorded" in posts[0].text
    assert "Say `status`" in posts[0].text and "send it again." not in posts[0].text
    with Session(pg_engine) as session:  # this time the commit never reached the database
        assert session.exec(select(func.count()).select_from(AssessAnswer)).one() == 0
