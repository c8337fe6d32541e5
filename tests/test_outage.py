"""A database outage under a running bot (PostgreSQL behind a proxy the test cuts):
commands answer "temporarily unavailable" at once instead of timing out, the bot
recovers by itself when the database returns, and no reminder is lost."""

import json
import os
import signal

import pytest
from sqlalchemy.engine import make_url

from commands.dispatch import dispatch
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.fake_slack import eventually
from tests.helpers import CTX, postgresql_only
from tests.processes import (
    SLACK_TIMEOUT,
    BotProcess,
    bot_environment,
    http_request,
    post_command,
    workers_of,
)
from tests.reminder_rows import due_reminders
from tests.tcp_proxy import TcpProxy

pytestmark = [postgresql_only, pytest.mark.process]  # left out of `make test-fast`


@pytest.fixture
def proxied(empty_postgres_url, fake_slack):
    """An empty PostgreSQL database behind a proxy the test can cut, and `partnerbot
    run`'s settings for reaching it through the proxy."""
    url = make_url(empty_postgres_url)
    proxy = TcpProxy((url.host, url.port or 5432)).start()
    env = bot_environment(
        fake_slack.url, url.set(port=proxy.port).render_as_string(hide_password=False)
    )
    yield proxy, env
    proxy.cut()


def test_an_outage_is_answered_politely_and_survived(proxied, postgres_url, fake_slack, tmp_path):
    proxy, env = proxied
    engine = make_engine(postgres_url)
    upgrade(engine)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        assert post_command(bot, "create Spelthorne LSP")[0] == 200
        assert post_command(bot, "", command="/budget")[0] == 200
        proxy.cut()
        due_reminders(engine, channels=1, per_channel=1)  # falls due during the outage
        for text, name in (("show", "/partnership"), ("", "/budget")):
            # Answered within Slack's 3 seconds, not left to time out.
            status, answer = post_command(bot, text, command=name, timeout=SLACK_TIMEOUT)
            assert status == 200
            assert "temporarily unavailable" in json.loads(answer)["text"]
        assert http_request("GET", bot.url + "/healthz")[0] == 503
        proxy.restore()
        eventually(
            lambda: (r := post_command(bot, "show")) and "Spelthorne LSP" in r[1] and r,
            what="the bot answering again",
        )
        assert http_request("GET", bot.url + "/healthz")[0] == 200
        eventually(lambda: fake_slack.reminders_posted(), timeout=60, what="the reminder")
    finally:
        bot.stop()
        engine.dispose()
    assert len(fake_slack.reminders_posted()) == 1


def test_a_worker_replaced_during_an_outage_comes_up(proxied, tmp_path):
    """gunicorn stops the whole server when a worker fails to boot, so a worker that
    crashes, or is replaced, while the database is down must still come up."""
    proxy, env = proxied
    bot = BotProcess(env | {"WEB_CONCURRENCY": "1"}, tmp_path / "bot.log").start()
    try:
        assert post_command(bot, "create Spelthorne LSP")[0] == 200
        proxy.cut()
        (crashed,) = workers_of(bot.pid)
        os.kill(int(crashed), signal.SIGKILL)
        eventually(lambda: workers_of(bot.pid) not in ([], [crashed]), what="a new worker")
        status, answer = eventually(
            lambda: (r := post_command(bot, "show")) and r[0] == 200 and r,
            what="the new worker answering",
        )
        assert "temporarily unavailable" in json.loads(answer)["text"]
        status, page = http_request("GET", bot.url + "/metrics")
        assert status == 200 and "partnerbot_requests_total" in page  # no queue depth now
        proxy.restore()
        eventually(lambda: "Spelthorne LSP" in post_command(bot, "show")[1], what="recovery")
        assert "partnerbot_reminder_queue_depth 0.0" in http_request("GET", bot.url + "/metrics")[1]
    finally:
        bot.stop()


def test_a_database_restart_between_commands_goes_unseen(proxied, postgres_url, tmp_path):
    """Connections pooled before the restart are dead; the first command after it must
    not be the one to find out: the pool pings each connection before a command gets
    it (pool_pre_ping) and replaces a dead one."""
    proxy, env = proxied
    # Created here, not through the bot: a change starts background work (the Home
    # tab), which would meet the dead connections first and clear them for the test.
    engine = make_engine(postgres_url)
    assert dispatch(engine, CTX, "/partnership", "create Spelthorne LSP").ok
    engine.dispose()
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        for restart in (True, True, False):  # the same reads, after each restart
            assert "Spelthorne LSP" in post_command(bot, "show")[1]
            assert "There are no funds yet" in post_command(bot, "", command="/budget")[1]
            if restart:
                proxy.cut()
                proxy.restore()  # the database is back at once; every old connection is gone
    finally:
        bot.stop()
