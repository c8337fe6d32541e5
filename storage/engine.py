"""Engine and session factories. Nothing is built at import time."""

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Dialect, Engine, Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, InvalidatePoolError
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
            # As many as the threads that query at once (requests, events, reminders):
            # an overflow connection is opened, set up and closed for every use.
            pool_size=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Last in, first out: the connections in use stay warm, and the others sit idle
    # long enough to be pinged, or to be closed by the database or a proxy.
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_use_lifo=True,
        connect_args=_unless_given(make_url(url).query, NETWORK_TIMEOUTS),
    )
    event.listen(engine.pool, "checkin", _idle_from_now)
    event.listen(engine.pool, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


def load_driver(url: str) -> None:
    """Import the database driver `url` needs, without connecting. For a server's master
    process, so that the workers it forks share the driver's modules (psycopg: 80 of
    them, 5 MB) instead of each importing a copy at its first make_engine()."""
    make_url(normalise_url(url)).get_dialect().import_dbapi()


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


# A pooled PostgreSQL connection idle this long is pinged before it is used again: the
# database may have restarted, or a proxy dropped it, meanwhile. Pinging at every
# checkout (pool_pre_ping) would cost every command a round trip, though a busy pool's
# connections come back within milliseconds of their last use.
PING_AFTER_IDLE = 1.0  # seconds


def _idle_from_now(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection, record, _proxy) -> None:
    since = record.info.get("idle_since")  # None: connected just now
    if since is None or time.monotonic() - since < PING_AFTER_IDLE:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as error:
        # As pool_pre_ping does: the pool checks out another connection, and when the
        # database dropped this one, drops every connection made before now too.
        if dialect.is_disconnect(error, dbapi_connection, None):
            raise InvalidatePoolError(f"an idle pooled connection is gone: {error}") from error
        raise DisconnectionError(f"an idle pooled connection failed its ping: {error}") from error


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # We issue BEGIN ourselves (below), so pysqlite must not start transactions its way.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
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


def read_row(engine: Engine, statement: Select, params: Mapping[str, Any]) -> tuple | None:
    """The first row of a one-statement read, straight through the driver, outside any
    transaction (on PostgreSQL in autocommit): one round trip after the pool's checkout.

    Only for the hottest read, where SQLAlchemy's execution machinery and the BEGIN and
    COMMIT around it cost more than the query. One statement reads one snapshot, so
    nothing is lost by leaving the transaction out. Values come back through their
    column types, as SQLAlchemy would return them; a driver error is raised as
    SQLAlchemy's (DBAPIError's subclasses), with `connection_invalidated` set when the
    database had dropped the connection.
    """
    sql, names, processors = _prepared(engine.dialect, statement)
    values = tuple(params[name] for name in names) if names is not None else params
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except driver_error as error:  # it could not connect
        raise DBAPIError.instance(None, None, error, driver_error) from error
    try:
        row = _fetch_one(engine.dialect, connection.driver_connection, sql, values)
    except driver_error as error:
        dropped = engine.dialect.is_disconnect(error, connection.driver_connection, None)
        connection.invalidate(error)  # never hand a connection in an unknown state back
        raise DBAPIError.instance(
            sql, values, error, driver_error, connection_invalidated=dropped
        ) from error
    except BaseException as error:
        connection.invalidate(error)
        raise
    finally:
        connection.close()
    if row is None:
        return None
    return tuple(p(v) if p else v for p, v in zip(processors, row, strict=True))


def _fetch_one(dialect: Dialect, driver, sql: str, values: Sequence | Mapping) -> tuple | None:
    autocommit = driver.autocommit if dialect.name == "postgresql" else None
    if autocommit is False:
        driver.autocommit = True  # else psycopg sends BEGIN first: another round trip
    try:
        cursor = driver.cursor()
        cursor.execute(sql, values)
        row = cursor.fetchone()
        cursor.close()
        return row
    finally:
        if autocommit is False and not driver.closed:
            driver.autocommit = False  # as the pool and every Session expect it


@lru_cache(maxsize=16)
def _prepared(
    dialect: Dialect, statement: Select
) -> tuple[str, tuple[str, ...] | None, list[Callable | None]]:
    """SQL in the driver's parameter style, the positional parameters' order (None for
    named ones), and each result column's converter: worked out once per statement."""
    compiled = statement.compile(dialect=dialect)
    for bind in compiled.binds.values():  # values are passed to the driver as given
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            raise ValueError(f"read_row cannot convert the parameter {bind.key!r}")
    names = tuple(compiled.positiontup) if compiled.positional else None
    columns = statement.selected_columns
    processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
    return compiled.string, names, processors
