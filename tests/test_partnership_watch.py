"""Channels' partnerships read from memory while PostgreSQL tells of every change
(storage.partnership_watch): no round trip for a remembered answer, never a row kept
past a change once its notice is in, nor while changes could go unheard."""

import threading
from dataclasses import replace

import pytest
from sqlalchemy import event, text

from commands.dispatch import dispatch
from storage import partnership_watch
from storage.engine import make_engine
from storage.models import Partnership
from storage.partnership_watch import ChannelMemory, memory_of, watch_partnerships
from storage.partnerships import partnership_for_channel_outside_transaction
from tests.fake_slack import eventually
from tests.processes import BotProcess
from tests.test_dispatch import CTX

HERE = {"team_id": "T1", "channel_id": "C1"}
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
# The backends of this test database's watches (not another test session's).
LISTENING = f"query = 'LISTEN {partnership_watch.CHANNEL}' AND datname = current_database()"


@pytest.fixture
def watch(engine, monkeypatch):
    # Only a notice makes a row stale here: the time limit would hide a missed one.
    monkeypatch.setattr(partnership_watch, "HOLD", 3600.0)
    watch = watch_partnerships(engine)
    eventually(lambda: watch.connections == 1, what="the watch to listen")
    yield watch
    watch.stop()


@pytest.fixture
def elsewhere(database_url):
    """A connection of another process (a replica, psql): its commits reach this one
    only as notices."""
    other = make_engine(database_url)

    def run(statement: str) -> None:
        with other.begin() as connection:
            connection.execute(text(statement))

    yield run
    other.dispose()


@pytest.fixture
def officer(engine):
    """Commands straight to dispatch(): no Home tab refresh or delivery left reading in
    the background to blur what a command itself reads."""

    def run(command: str, words: str, channel: str = "C1"):
        reply = dispatch(engine, replace(CTX, channel_id=channel), command, words)
        assert reply.ok, reply.text
        return reply

    run("/partnership", "create Spelthorne LSP")
    return run


@pytest.fixture
def here(engine):
    """The partnership of channel C1, as a remembered command reads it."""
    return lambda: partnership_for_channel_outside_transaction(engine, **HERE)


def remembered(here) -> Partnership:
    """C1's row once the memory keeps it: the notices of this process's own changes
    come after it forgot them, and forget once more."""

    def kept() -> Partnership | None:
        first = here()
        return first if first is not None and here() is first else None

    return eventually(kept, what="the notices of our own changes")


def checkouts_while(engine, work) -> int:
    """How many times `work` took a connection from the engine's pool, on this thread."""
    me, taken = threading.current_thread(), []
    listener = lambda *_: threading.current_thread() is me and taken.append(1)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        work()
    finally:
        event.remove(engine, "checkout", listener)
    return len(taken)


# --- The memory on its own -------------------------------------------------------------


def row(partnership_id: int) -> Partnership:
    return Partnership.model_construct(id=partnership_id, name=f"P{partnership_id}", version=0)


def listening_memory(**options) -> ChannelMemory:
    memory = ChannelMemory(**options)
    memory.listening(True)
    return memory


def reads_of(memory: ChannelMemory, key=("T1", "C1"), partnership_id: int = 1):
    """Recalls `key` twice; how many of the two read the database."""
    reads = []

    def read():
        reads.append(1)
        return row(partnership_id)

    memory.recall(key, read)
    memory.recall(key, read)
    return len(reads)


def test_a_row_is_read_once_while_nothing_changes():
    assert reads_of(listening_memory()) == 1


def test_nothing_is_remembered_while_not_listening():
    memory = ChannelMemory()
    assert reads_of(memory) == 2
    memory.listening(True)
    memory.recall(("T1", "C1"), lambda: row(1))
    memory.listening(False)  # the connection is lost: what it remembered may be stale
    assert reads_of(memory) == 2


def test_listening_again_starts_from_nothing():
    memory = listening_memory()
    memory.recall(("T1", "C1"), lambda: row(1))
    memory.listening(False)
    memory.listening(True)
    assert memory.recall(("T1", "C1"), lambda: row(2)).id == 2


def test_a_change_forgets_only_its_partnerships_rows():
    memory = listening_memory()
    for channel, partnership_id in (("C1", 1), ("C2", 1), ("C3", 2)):
        memory.recall(("T1", channel), lambda p=partnership_id: row(p))
    memory.changed(1)
    fresh = {c: memory.recall(("T1", c), lambda: row(9)).id for c in ("C1", "C2", "C3")}
    assert fresh == {"C1": 9, "C2": 9, "C3": 2}
    memory.changed(None)  # a TRUNCATE: everything may have changed
    assert memory.recall(("T1", "C3"), lambda: row(9)).id == 9


def test_a_row_read_while_a_change_is_heard_of_is_not_remembered():
    """The notice may be of a change the read just missed."""
    memory = listening_memory()

    def read_during_a_notice():
        memory.changed(5)  # any partnership's: whose it is cannot be known yet
        return row(1)

    memory.recall(("T1", "C1"), read_during_a_notice)
    assert memory.recall(("T1", "C1"), lambda: row(2)).id == 2


def test_a_row_is_served_for_at_most_its_hold():
    """A connection can die without a word: no row outlives HOLD, heard or not."""
    now = [100.0]
    memory = listening_memory(clock=lambda: now[0])
    memory.recall(("T1", "C1"), lambda: row(1))
    now[0] += partnership_watch.HOLD * 0.99
    assert memory.recall(("T1", "C1"), lambda: row(2)).id == 1
    now[0] += partnership_watch.HOLD * 0.02
    assert memory.recall(("T1", "C1"), lambda: row(2)).id == 2


def test_the_least_recently_used_channel_goes_first():
    memory = listening_memory(entries=2)
    for channel in ("C1", "C2"):
        memory.recall(("T1", channel), lambda: row(1))
    memory.recall(("T1", "C1"), lambda: row(9))  # C1 is used again, C2 is now the oldest
    memory.recall(("T1", "C3"), lambda: row(1))
    assert memory.recall(("T1", "C1"), lambda: row(9)).id == 1
    assert memory.recall(("T1", "C2"), lambda: row(9)).id == 9


def test_a_read_that_finds_nothing_is_not_remembered():
    memory, reads = listening_memory(), []
    for _ in range(2):
        memory.recall(("T1", "C1"), lambda: reads.append(1))
    assert len(reads) == 2  # a channel linked next is found at once


# --- Against PostgreSQL ------------------------------------------------------------------


def test_sqlite_is_not_watched(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert watch_partnerships(engine) is None and memory_of(engine) is None


@on_postgresql
def test_a_remembered_answer_takes_no_connection(officer, here, engine, watch):
    officer("/budget", 'fund "Pooled fund" £6,000')
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    remembered(here)
    for command, words in (("/budget", ""), ("/deadline", "list")):
        first = officer(command, words)  # loads the answer, in a transaction
        again = []
        assert checkouts_while(engine, lambda: again.append(officer(command, words))) == 0  # noqa: B023
        assert (again[0].text, again[0].blocks) == (first.text, first.blocks)


CHANGES = {
    "a budget line, through the version": ("UPDATE budget_line SET spent_pence = 150000", "C1"),
    "the channel unlinked": ("DELETE FROM channel_link WHERE channel_id = 'C1'", None),
    "the channel moved": (
        "UPDATE channel_link SET partnership_id = (SELECT id FROM partnership"
        " WHERE name = 'Runnymede LSP') WHERE channel_id = 'C1'",
        "Runnymede LSP",
    ),
    "everything truncated": ("TRUNCATE partnership CASCADE", None),
}


@on_postgresql
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_another_processs_change_is_heard_of(officer, here, watch, elsewhere, change):
    statement, expected = change
    officer("/partnership", "create Runnymede LSP", channel="C2")
    officer("/budget", 'fund "Pooled fund" £6,000')
    officer("/budget", 'plan "Pooled fund" Venue hire £2,000')
    before = remembered(here)
    elsewhere(statement)

    def now_shown():
        found = here()
        if expected is None:
            return found is None
        if expected == "C1":
            return found is not None and found.version > before.version
        return found is not None and found.name == expected

    eventually(now_shown, timeout=5, what="the change's notice")


@on_postgresql
def test_own_change_shows_before_its_notice(officer, here, engine, watch, monkeypatch):
    """The writer's next read sees its change, however late the notice."""
    officer("/budget", 'fund "Pooled fund" £6,000')
    before = remembered(here)
    monkeypatch.setattr(watch, "_heard", lambda payload: None)  # every notice lost
    with engine.begin() as connection:
        connection.execute(text("UPDATE fund_entry SET amount_pence = 700000"))
    assert here().version > before.version


@on_postgresql
def test_a_read_leaves_the_memory_be(officer, here, engine, watch):
    """Only a change forgets: Home tabs and the reminder clock commit reads too."""
    officer("/budget", 'fund "Pooled fund" £6,000')
    before = remembered(here)
    with engine.begin() as connection:
        connection.execute(text("SELECT id FROM fund_entry FOR UPDATE"))
    assert here() is before


@on_postgresql
def test_a_change_made_while_the_watch_was_deaf_shows(officer, here, watch, elsewhere):
    """Its notice is lost with the connection; the watch listens again from nothing."""
    officer("/budget", 'fund "Pooled fund" £6,000')
    before = remembered(here)
    elsewhere(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {LISTENING}")
    eventually(lambda: not watch.memory.is_listening, timeout=5, what="the loss to be noticed")
    elsewhere("UPDATE fund_entry SET amount_pence = 700000")
    eventually(lambda: watch.connections == 2, timeout=10, what="the watch to listen again")
    assert here().version > before.version
    assert here() is here()  # and remembers again


@on_postgresql
def test_a_stopped_watch_closes_its_connection(engine, database_url):
    watch = watch_partnerships(engine)
    eventually(lambda: watch.connections == 1, what="the watch to listen")
    watch.stop()
    assert memory_of(engine) is None
    with engine.connect() as connection:
        listening = connection.execute(
            text(f"SELECT count(*) FROM pg_stat_activity WHERE {LISTENING}")
        ).scalar()
    assert listening == 0


@on_postgresql
def test_each_server_worker_watches(env, tmp_path, engine):
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    try:

        def listeners() -> int:
            with engine.connect() as connection:
                return connection.execute(
                    text(f"SELECT count(*) FROM pg_stat_activity WHERE {LISTENING}")
                ).scalar()

        eventually(lambda: listeners() == 2, timeout=10, what="both workers to listen")
    finally:
        bot.stop()
