"""Engine and session factories. Nothing is built at import time."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import create_engine

SUPPORTED = ("sqlite", "postgresql")


class DatabaseURLError(ValueError):
    pass


def normalise_url(url: str) -> str:
    """Accept the URLs people paste, and pick the driver we ship.

    `postgres://` (Heroku style) and bare `postgresql://` would otherwise ask for
    psycopg2, which is not installed; we depend on psycopg 3.
    """
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise DatabaseURLError(f"not a database URL: {exc}") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise DatabaseURLError(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite:/// or postgresql://"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """The URL with its password masked, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            hide_parameters=True,  # an error's message is logged: no user text in it
            # As many as the threads that query at once (requests, events, reminders):
            # an overflow connection is opened, set up and closed for every use.
            pool_size=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        # A connection the database or a proxy dropped while it sat in the pool is
        # replaced before a command gets it, not after the command fails on it.
        pool_pre_ping=True,
        hide_parameters=True,  # an error's message is logged: no user text in it
        connect_args=_unless_given(make_url(url).query, NETWORK_TIMEOUTS),
    )


# libpq waits for ever for a server that does not answer (TCP's own limits are minutes
# to hours). A command should rather hear "temporarily unavailable" within Slack's 3 s,
# and a connection to a host that vanished should not hold a request thread. Keepalive
# probes are answered by the server's kernel even during a long query. A URL's own
# values (?connect_timeout=10) win.
NETWORK_TIMEOUTS = {
    "connect_timeout": 2,  # seconds: libpq's smallest advised value
    "keepalives": 1,
    "keepalives_idle": 5,  # seconds without traffic before the first probe
    "keepalives_interval": 2,
    "keepalives_count": 3,  # so a silent peer is dropped after about 11 s
    "tcp_user_timeout": 10_000,  # ms that sent data may stay unacknowledged
}


def _unless_given(query: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in defaults.items() if name not in query}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # We issue BEGIN ourselves (below), so pysqlite must not start transactions its way.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    # In WAL mode FULL syncs the log at every commit, and a writer holds SQLite's one
    # write lock meanwhile, so the other writers queue behind the disk. NORMAL syncs at
    # checkpoints: the database stays consistent whatever happens, but the last commits
    # before a power cut (not a crash of partnerbot) may be lost (sqlite.org/wal.html).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


_write_lock_first: ContextVar[bool] = ContextVar("write_lock_first", default=False)


@contextmanager
def write_lock_first() -> Iterator[None]:
    """SQLite transactions begun inside take the write lock at BEGIN (IMMEDIATE): for
    work known to write, such as a rerun after losing a write race, which then waits
    its turn instead of losing again."""
    token = _write_lock_first.set(True)
    try:
        yield
    finally:
        _write_lock_first.reset(token)


def _sqlite_begin(connection) -> None:
    # An explicit BEGIN puts a command's reads and writes in one snapshot; pysqlite on
    # its own would run the reads outside any transaction. It stays deferred so reads
    # never wait for the write lock. Two writers that read the same snapshot conflict
    # on the second write (SQLITE_BUSY) and the loser is run again, IMMEDIATE.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_lock_first.get() else "BEGIN")


def is_write_conflict(error: Exception) -> bool:
    """A transaction lost a race and can safely be run again from the start."""
    orig = getattr(error, "orig", None)
    message = str(orig).lower()
    if "database is locked" in message or "database table is locked" in message:
        return True  # SQLite: another writer holds the lock, or our snapshot went stale
    return getattr(orig, "sqlstate", None) in ("40001", "40P01")  # serialization, deadlock


def is_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except Exception:  # any failure means "not healthy"; the caller only needs yes/no
        return False
