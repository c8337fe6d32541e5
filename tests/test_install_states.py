"""The OAuth state an install link carries: consumed once, even while another writer
commits (the dispatcher of the same bot, for one). On SQLite a consume that read the
state in a deferred transaction could not delete it once another write had committed
("database is locked" at once: no waiting mends a stale snapshot), and the install
was answered 401."""

import sqlite3

import pytest
from sqlalchemy import event, make_url

from storage.installations import state_store


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_state_is_consumed_while_another_writer_commits(engine, database_url, request):
    store = state_store(engine)
    state = store.issue()
    other = sqlite3.connect(make_url(database_url).database, timeout=0, isolation_level=None)
    request.addfinalizer(other.close)
    others_writes: list[str] = []

    @event.listens_for(engine, "after_cursor_execute")
    def write_after_the_read(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("SELECT") and not others_writes:
            try:  # the other writer does not wait: it commits now or finds the lock taken
                other.execute(
                    "INSERT INTO slack_oauth_states (state, expire_at) VALUES ('x', '2099-01-01')"
                )
                others_writes.append("committed")
            except sqlite3.OperationalError as error:
                others_writes.append(str(error))

    assert store.consume(state) is True
    assert others_writes == ["database is locked"]  # the consume held the write lock
    assert store.consume(state) is False  # once only


def test_a_state_is_good_once_on_each_database(engine):
    store = state_store(engine)
    state = store.issue()
    assert store.consume(state) is True
    assert store.consume(state) is False
    assert store.consume("never-issued") is False
