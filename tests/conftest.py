"""Fixtures: a real database per test (SQLite and PostgreSQL), the fake Slack Web API,
and the real Bolt app built by create_app().

PostgreSQL is not optional: when it is unreachable the PostgreSQL half of the suite
errors loudly. Set PARTNERBOT_TEST_DATABASES=sqlite to run the SQLite half on purpose.
"""

import os
import uuid

import pytest
from slack_sdk import WebClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from bot.app import create_app
from bot.config import load_settings
from scheduler.dispatch import Dispatcher
from storage.engine import make_engine
from storage.installations import oauth_metadata
from storage.migrate import upgrade
from tests.fake_slack import FakeSlack
from tests.fake_time import LONDON, FakeTime
from tests.helpers import BACKENDS, NOW
from tests.processes import bot_environment
from tests.slack_requests import BOT_TOKEN, SlackDriver

PG_ADMIN_URL = os.environ.get(
    "PARTNERBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of its own for this test session, dropped at the end."""
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
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'partnerbot.db'}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


def _empty_postgres(url: str) -> None:
    """Tests share the session's database: start each one from empty tables."""
    engine = make_engine(url)
    upgrade(engine)
    every = [*SQLModel.metadata.sorted_tables, *oauth_metadata.sorted_tables]
    tables = ", ".join(f'"{table.name}"' for table in every)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fake_slack():
    with FakeSlack() as fake:
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
