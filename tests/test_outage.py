"""A database outage under a running bot (PostgreSQL behind a proxy the test cuts):
commands answer "temporarily unavailable" at once instead of timing out, the bot
recovers by itself when the database returns, and no reminder is lost."""

import json
import time

import pytest
from sqlalchemy.engine import make_url

from commands.dispatch import dispatch
from storage.engine import PING_AFTER_IDLE, make_engine
from storage.migrate import upgrade
from tests.conftest import BACKENDS, _empty_postgres
from tests.fake_slack import eventually
from tests.processes import BotProcess, http_request
from tests.reminder_rows import due_reminders
from tests.slack_requests import BOT_TOKEN, SIGNING_SECRET, sign, slash_command_body
from tests.tcp_proxy import TcpProxy
from tests.test_dispatch import CTX


def command(bot: BotProcess, text: str, name: str = "/partnership") -> tuple[int, str, float]:
    body = slash_command_body(name, text, team="T1", user="U1", channel="C1")
    headers = sign(body) | {"Content-Type": "application/x-www-form-urlencoded"}
    started = time.monotonic()
    status, answer = http_request("POST", bot.url + "/slack/events", body.encode(), headers)
    return status, answer, time.monotonic() - started


@pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="PARTNERBOT_TEST_DATABASES leaves PostgreSQL out"
)
def test_an_outage_is_answered_politely_and_survived(postgres_url, fake_slack, tmp_path):
    _empty_postgres(postgres_url)
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host, url.port or 5432)).start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(postgres_url)
    upgrade(engine)
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": through_proxy,
    }
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        assert command(bot, "create Spelthorne LSP")[0] == 200
        assert command(bot, "", "/budget")[0] == 200  # remembered now, yet its version is read
        proxy.cut()
        due_reminders(engine, channels=1, per_channel=1)  # falls due during the outage
        for text, name in (("show", "/partnership"), ("", "/budget")):
            status, answer, took = command(bot, text, name)
            assert status == 200 and took < 3  # inside Slack's 3 seconds
            assert "temporarily unavailable" in json.loads(answer)["text"]
        assert http_request("GET", bot.url + "/healthz")[0] == 503
        proxy.restore()
        status, answer, _ = eventually(
            lambda: (r := command(bot, "show")) and "Spelthorne LSP" in r[1] and r,
            what="the bot answering again",
        )
        assert http_request("GET", bot.url + "/healthz")[0] == 200
        eventually(lambda: fake_slack.reminders_posted(), timeout=60, what="the reminder")
    finally:
        bot.stop()
        proxy.cut()
        engine.dispose()
    assert len(fake_slack.reminders_posted()) == 1


@pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="PARTNERBOT_TEST_DATABASES leaves PostgreSQL out"
)
def test_a_database_restart_between_commands_goes_unseen(postgres_url, fake_slack, tmp_path):
    """Connections pooled before the restart are dead; the first command after it must
    not be the one to find out. After a pause, storage.engine pings a connection that
    sat idle; straight after, the command meets a dead one and is run again."""
    _empty_postgres(postgres_url)
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host, url.port or 5432)).start()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": url.set(port=proxy.port).render_as_string(hide_password=False),
    }
    # Created here, not through the bot: a change starts background work (the Home
    # tab), which would meet the dead connections first and clear them for the test.
    engine = make_engine(postgres_url)
    assert dispatch(engine, CTX, "/partnership", "create Spelthorne LSP").ok
    engine.dispose()
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        for pause in (PING_AFTER_IDLE + 0.2, 0, None):  # the same reads, after each restart
            assert "Spelthorne LSP" in command(bot, "show")[1]
            assert "There are no funds yet" in command(bot, "", "/budget")[1]
            if pause is not None:
                proxy.cut()
                proxy.restore()  # the database is back at once; every old connection is gone
                time.sleep(pause)
    finally:
        bot.stop()
        proxy.cut()
