"""Which partnership a channel belongs to, and at which version, known without asking
PostgreSQL each time: it says when either changes.

A remembered `/budget` or `/deadline list` needs only the channel's partnership row,
with its version (storage.read_cache). Read from PostgreSQL, that row is one round trip
a command: on a busy two-core machine, as much CPU as the rest of the command. So each
process keeps the rows it read, and one connection of its own LISTENs: triggers
(migration 0009) NOTIFY the id of every partnership whose row or channel links change,
including each version bump, and the rows of that partnership are forgotten.

A change therefore shows at once in the process that made it (a transaction that
wrote forgets everything once it is committed), and in every other process as soon as
PostgreSQL's notice arrives, well under a millisecond on a quiet network. What could
make a row outlive its change:
- a notice on its way while the row is read: any notice heard between the read and
  the remembering, and any reconnection, keeps the row from being remembered;
- the listening connection lost: nothing is remembered, or served, until it listens
  again, and then it starts from nothing;
- the connection dead without a word (a network that drops packets): no row is served
  more than HOLD seconds after it was read, whatever was heard meanwhile.

SQLite has no notices: there every command reads the row, as it is cheap in process.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

from storage.models import Partnership

log = logging.getLogger(__name__)

CHANNEL = "partnerbot_partnership"  # migration 0009's triggers notify on it
EVERYTHING = ""  # the payload of a TRUNCATE's notice: any partnership may have changed
HOLD = 1.0  # seconds a row is served after it was read, at most
# Channels remembered per process, about 1.5 KB each; the least recently used go first.
ENTRIES = 1024
RETRY = 1.0  # seconds between attempts to listen again
POLL = 0.2  # seconds between looks at whether the watch was stopped

Key = tuple[str, str]  # (team_id, channel_id)


class ChannelMemory:
    """Channels' partnership rows, kept only while every change to them is heard of."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, entries: int = ENTRIES):
        self._rows: OrderedDict[Key, tuple[float, Partnership]] = OrderedDict()
        self._lock = threading.Lock()
        self._clock, self._size = clock, entries
        # Counts everything that may have made a remembered row stale; a row read before
        # the count moved is not remembered.
        self._changes = 0
        self._listening = False

    def recall(self, key: Key, read: Callable[[], Partnership | None]) -> Partnership | None:
        """The row remembered for `key`, else what `read()` gives, remembered unless a
        change may have been heard of while it read."""
        with self._lock:
            found = self._rows.get(key)
            if found and self._listening and self._clock() - found[0] < HOLD:
                self._rows.move_to_end(key)
                return found[1]
            changes, read_at = self._changes, self._clock()
        row = read()
        with self._lock:
            if row is not None and self._listening and changes == self._changes:
                self._rows[key] = (read_at, row)
                self._rows.move_to_end(key)
                while len(self._rows) > self._size:
                    self._rows.popitem(last=False)
        return row

    def changed(self, partnership_id: int | None) -> None:
        """Forget the rows of one partnership, or (None) all of them."""
        with self._lock:
            self._changes += 1
            if partnership_id is None:
                self._rows.clear()
                return
            for key in [k for k, (_, row) in self._rows.items() if row.id == partnership_id]:
                del self._rows[key]

    def listening(self, now: bool) -> None:
        """The listener has (re)started or stopped listening: either way, start afresh."""
        with self._lock:
            self._listening = now
            self._changes += 1
            self._rows.clear()

    @property
    def is_listening(self) -> bool:
        return self._listening


class PartnershipWatch:
    """While started: a thread LISTENing on a connection of its own, telling the
    memory that storage.partnerships reads through for this engine."""

    def __init__(self, engine: Engine):
        self.engine, self.memory = engine, ChannelMemory()
        self.connections = 0  # how many times it has started listening
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="partnership-watch", daemon=True)

    def start(self) -> "PartnershipWatch":
        event.listen(self.engine, "after_cursor_execute", _note_write)
        event.listen(self.engine, "checkin", self._forget_own_writes)
        _memories[self.engine] = self.memory
        self._thread.start()
        return self

    def stop(self) -> None:
        _memories.pop(self.engine, None)
        event.remove(self.engine, "after_cursor_execute", _note_write)
        event.remove(self.engine, "checkin", self._forget_own_writes)
        self._stopping.set()
        self._thread.join()

    def _forget_own_writes(self, _dbapi_connection, record) -> None:
        # This process's changes are forgotten once committed (the connection is back in
        # the pool), not when their notice comes: the writer's next read sees them.
        if record is not None and record.info.pop(_WROTE, False):
            self.memory.changed(None)

    def _heard(self, payload: str) -> None:
        self.memory.changed(None if payload == EVERYTHING else int(payload))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception as error:  # any failure: serve nothing remembered, listen again
                if self.memory.is_listening:
                    log.warning("partnership watch lost its connection: %s", error)
            finally:
                self.memory.listening(False)
            self._stopping.wait(RETRY)

    def _listen(self) -> None:
        pooled = self.engine.raw_connection()  # with the engine's timeouts and keepalives
        connection = pooled.driver_connection
        pooled.detach()  # its own for as long as it listens, never handed back to the pool
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.memory.listening(True)
            self.connections += 1
            while not self._stopping.is_set():
                for notice in connection.notifies(timeout=POLL):
                    self._heard(notice.payload)
        finally:
            connection.close()


_WROTE = "partnerbot.wrote"  # in a pooled connection's info, until it is checked in
# PostgreSQL's command tags of statements that change rows; a read's commit (a Home
# tab's, the reminder clock's) leaves the memory be.
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE")


def _note_write(connection, cursor, *_statement) -> None:
    if (cursor.statusmessage or "").startswith(_WRITES):
        connection.info[_WROTE] = True


# The memory of each watched engine; an engine nobody watches has none.
_memories: WeakKeyDictionary[Engine, ChannelMemory] = WeakKeyDictionary()


def watch_partnerships(engine: Engine) -> PartnershipWatch | None:
    """Remember channels' partnerships for `engine` (PostgreSQL only) until the
    returned watch is stopped."""
    if engine.dialect.name != "postgresql":
        return None
    return PartnershipWatch(engine).start()


def memory_of(engine: Engine) -> ChannelMemory | None:
    return _memories.get(engine)
