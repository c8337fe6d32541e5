"""Fixtures: a real database per test (SQLite and PostgreSQL), the fake Slack Web API,
and the real Bolt app built by create_app().

Each database is migrated once per session: a SQLite test gets a copy of a migrated
file, a PostgreSQL test the session's database with its tables emptied.

PostgreSQL is not optional: when it is unreachable the PostgreSQL half of the suite
errors loudly. Set PARTNERBOT_TEST_DATABASES=sqlite to run the SQLite half on purpose.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from slack_sdk import WebClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from bot.app import create_app
from bot.config import load_settings
from scheduler.dispatcher import Dispatcher
from storage.engine import make_engine
from storage.installations import oauth_metadata
from storage.migrate import head_revision, upgrade
from tests.fake_slack import FakeSlack
from tests.fake_time import LONDON, FakeTime
from tests.helpers import BACKENDS, NOW
from tests.processes import bot_environment
from tests.slack_requests import BOT_TOKEN, SlackDriver

# Hypothesis's default deadline (200 ms an example) is a timing assertion: on a loaded
# machine it failed examples that were right, only slow. How fast is for bench/.
hypothesis_settings.register_profile("partnerbot", deadline=None)
hypothesis_settings.load_profile("partnerbot")


def pytest_collection_modifyitems(items):
    """Tests that start `partnerbot` first, the slowest of them first of all.

    Under pytest-xdist the run ends when the last worker does: a two-minute process test
    handed out near the end kept one worker busy long after the other had finished.
    Started first, the long tests overlap the many short ones. The order within a module
    is kept, and the sort is stable, so tests otherwise run as collected."""
    items.sort(key=lambda item: (item.get_closest_marker("process") is None, -_weight(item)))


# The process tests that take a minute or more between them (--durations), longest
# first: pytest-xdist's default `load` hands the first tests out in turn to each worker.
_SLOWEST_MODULES = ("test_outage.py", "test_reminder_replicas.py", "test_replicas_acceptance.py")


def _weight(item) -> int:
    return _SLOWEST_MODULES.index(item.path.name) + 1 if item.path.name in _SLOWEST_MODULES else 0


PG_ADMIN_URL = os.environ.get(
    "PARTNERBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database at the newest schema, migrated once per session: each test
    gets a copy of the file (Alembic's upgrade takes far longer than the copy)."""
    path = tmp_path_factory.mktemp("migrated") / "partnerbot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:  # everything into the main file, for copying
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A database of its own for this test session, migrated once, dropped at the end.
    Tests share it, each starting from empty tables (database_url, empty_postgres_url)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("needs PostgreSQL, and PARTNERBOT_TEST_DATABASES leaves it out")
    with _new_postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def _postgres_tables(postgres_url):
    tables = _PostgresTables(postgres_url)
    yield tables
    tables.engine.dispose()


@pytest.fixture
def empty_postgres_url(postgres_url, _postgres_tables) -> str:
    """The session's PostgreSQL database, its tables emptied for this test."""
    _postgres_tables.empty()
    return postgres_url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """An empty database at the newest schema, on each backend in BACKENDS."""
    if request.param not in BACKENDS:  # asked for by name (indirect parametrisation)
        pytest.skip(f"needs {request.param}, and PARTNERBOT_TEST_DATABASES leaves it out")
    if request.param == "sqlite":
        path = tmp_path / "partnerbot.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("empty_postgres_url")


@pytest.fixture(params=BACKENDS)
def unmigrated_database_url(request, tmp_path) -> Iterator[str]:
    """A database with no tables at all, for tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'unmigrated.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips, or fails loudly, as the others do
    with _new_postgres_database() as url:
        yield url


@pytest.fixture
def blank_postgres_url(postgres_url) -> Iterator[str]:
    """Another PostgreSQL database, with no tables, dropped after the test: where a
    dump is restored."""
    with _new_postgres_database() as url:
        yield url


@contextmanager
def _new_postgres_database() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"partnerbot_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: "
            f"{exc.orig}. Start it (.ci/run does), point PARTNERBOT_TEST_PG_URL at one, or "
            "set PARTNERBOT_TEST_DATABASES=sqlite to run without it on purpose.",
            pytrace=False,
        )
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _PostgresTables:
    """Empties every table of a migrated database, as if it were new.

    DELETE and a reset of every sequence rather than TRUNCATE, which makes new files
    for every table: ten times slower on the few rows a test leaves."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._head = head_revision()
        every = [*SQLModel.metadata.sorted_tables, *oauth_metadata.sorted_tables]
        self._sql = "; ".join(
            [f'DELETE FROM "{table.name}"' for table in reversed(every)]  # children first
            + [
                "SELECT setval(oid, 1, false) FROM pg_class"
                " WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
            ]
        )

    def empty(self) -> None:
        with self.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            at_head = revision.scalar() == self._head
        if not at_head:  # a migration test stopped half-way
            upgrade(self.engine)
        with self.engine.begin() as connection:
            connection.exec_driver_sql(self._sql)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fake_slack(monkeypatch):
    with FakeSlack() as fake:
        # Thread pools in this process (an in-process bot's background work) report to
        # the fake, so that fake.drained() waits for that work, not only for a pause.
        monkeypatch.setattr(ThreadPoolExecutor, "submit", fake.background.counting())
        yield fake


@pytest.fixture
def env(fake_slack, database_url) -> dict[str, str]:
    # One worker, not one per CPU: tests/test_http_mode.py covers several.
    return bot_environment(fake_slack.url, database_url) | {"WEB_CONCURRENCY": "1"}


@pytest.fixture
def settings(env):
    return load_settings(env)


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine, clock=lambda: NOW)


@pytest.fixture
def slack(app, fake_slack) -> SlackDriver:
    """Workspace T1, talking to the real app with signed requests."""
    return SlackDriver(app, team="T1", response_url=f"{fake_slack.url}response/T1")


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime(NOW)


@pytest.fixture
def dispatcher(engine, fake_slack, clock):
    """Makes reminder dispatchers on the fake clock, posting to the fake Slack."""
    fake_slack.clock = clock
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    made = []

    def make() -> Dispatcher:
        made.append(
            Dispatcher(engine, lambda team: client, tz=LONDON, clock=clock, sleep=clock.sleep)
        )
        return made[-1]

    yield make
    for each in made:
        each.close()
