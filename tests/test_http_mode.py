"""`partnerbot run` in HTTP mode, as a process, against the fake Slack Web API."""

import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from bot.app import EVENT_THREADS
from bot.web import BODY_SECONDS
from commands.dispatch import dispatch
from storage.models import Reminder
from tests.fake_slack import eventually
from tests.helpers import CTX
from tests.processes import (
    SLACK_TIMEOUT,
    BotProcess,
    free_port,
    http_request,
    post_command,
    run_cli,
    spawn_bot,
    workers_of,
)
from tests.reminder_rows import due_reminders
from tests.slack_requests import BOT_TOKEN, SIGNING_SECRET, event_body, sign, slash_command_body

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`


@pytest.fixture
def bot(env, tmp_path):
    process = BotProcess(env | {"LOG_LEVEL": "DEBUG"}, tmp_path / "bot.log").start()
    yield process
    process.stop()


def test_a_signed_command_is_answered_and_survives_a_restart(bot):
    # How fast is measured by bench/mixed_load.py, not asserted here.
    status, body = post_command(bot, "create Spelthorne LSP")
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "in_channel"
    assert "created *Spelthorne LSP*" in reply["text"]

    assert bot.stop() == 0  # graceful on SIGTERM
    bot.start()
    status, body = post_command(bot, "show")
    assert status == 200 and "Spelthorne LSP" in body


def test_sigterm_lets_work_after_the_ack_finish(env, fake_slack, tmp_path):
    """A questionnaire's thread is posted after the command is acknowledged; SIGTERM
    right then still sees the thread and its first question reach Slack."""

    def slow_post(call):
        time.sleep(1)
        return 200, fake_slack.store_message(call.body, f"{time.time():.6f}")

    fake_slack.respond("chat.postMessage", slow_post)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    post_command(bot, "create Spelthorne LSP")
    status, answer = post_command(bot, "start baseline", command="/assess")
    assert status == 200 and "Starting questionnaire *1*" in answer
    assert bot.stop() == 0
    posts = [c.body["text"] for c in fake_slack.calls_to("chat.postMessage")]
    # The parent, the intro in the direct message, and question 1 there.
    assert len(posts) == 3 and "Question 1 of 10" in posts[2]


def test_startup_logs_mode_database_and_team_and_nothing_secret(bot):
    post_command(bot, "create Spelthorne LSP")
    logs = bot.logs()
    assert "mode=http on port" in logs
    assert "team=Test Partnership Workspace (T1)" in logs
    assert "command=/partnership team=T1 outcome=ok" in logs
    for secret in (BOT_TOKEN, SIGNING_SECRET, "Spelthorne", "response_url", "trigger_id"):
        assert secret not in logs, f"{secret!r} reached the log"


BAD_SIGNATURES = {
    "tampered signature": lambda body: sign(body, secret="wrong"),
    "stale": lambda body: sign(body, timestamp=str(int(time.time()) - 600)),
    "non-numeric": lambda body: sign(body, timestamp="yesterday"),
    "unsigned": lambda body: {},
}


def test_bad_requests_get_401_over_http(bot):
    """Each kind of bad signature, to one running bot (tests/test_request_verification.py
    has them one by one, in process)."""
    body = slash_command_body("/partnership", "create X", team="T1", user="U1", channel="C1")
    for kind, make_headers in BAD_SIGNATURES.items():
        headers = make_headers(body) | {"Content-Type": "application/x-www-form-urlencoded"}
        status, _ = http_request("POST", bot.url + "/slack/events", body.encode(), headers)
        assert status == 401, kind


def test_a_body_that_is_not_utf8_gets_401_not_500(bot):
    body = b"token=x&text=\xff\xfe"  # no signature can match bytes that are not text
    headers = sign(body.decode("latin-1")) | {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = http_request("POST", bot.url + "/slack/events", body, headers)
    assert status == 401


def test_oversized_bodies_and_unknown_paths(bot):
    big = b"x" * (1024 * 1024 + 1)
    assert (
        http_request("POST", bot.url + "/slack/events", big, {"Content-Type": "text/plain"})[0]
        == 413
    )
    assert http_request("GET", bot.url + "/nowhere")[0] == 404
    assert http_request("GET", bot.url + "/healthz") == (200, "ok")


def test_slow_clients_hold_no_thread_and_are_cut_off(env, tmp_path):
    """Twelve clients that send their headers and 5 bytes of a 100,000-byte body, and
    then nothing: every signed command is still answered within Slack's 3 s, and each
    slow one is cut off with 408 once web.BODY_SECONDS have passed."""
    bot = BotProcess(env | {"WEB_CONCURRENCY": "1"}, tmp_path / "bot.log").start()
    host, port = bot.url.removeprefix("http://").rstrip("/").split(":")
    slow = []
    try:
        for _ in range(12):
            client = socket.create_connection((host, int(port)), timeout=BODY_SECONDS + 10)
            client.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\nabcde"
            )
            slow.append(client)
        for _ in range(9):
            started = time.monotonic()
            status, body = post_command(bot, "create Spelthorne LSP")
            assert status == 200 and "Spelthorne LSP" in body
            assert time.monotonic() - started < 3
        for client in slow:
            assert client.recv(100).startswith(b"HTTP/1.1 408 ")
    finally:
        for client in slow:
            client.close()
        bot.stop()


def test_a_calendar_feed_is_served_in_http_mode(env, engine, tmp_path):
    ctx = replace(CTX, public_url="https://bot.example.org")
    dispatch(engine, ctx, "/partnership", "create Spelthorne LSP")
    dispatch(engine, ctx, "/event", 'add "Seminar" 18 September 2027 10am-12.30pm')
    feed = re.search(r"/calendar/\S+\.ics", dispatch(engine, ctx, "/deadline", "feed").text)
    assert feed is not None
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        status, calendar = http_request("GET", bot.url + feed[0])
        missing = http_request("GET", bot.url + "/calendar/" + "A" * 43 + ".ics")
    finally:
        bot.stop()
    assert status == 200 and "DTEND:20270918T113000Z" in calendar
    assert missing[0] == 404


def test_socket_mode_is_chosen_when_an_app_token_is_set_and_serves_feeds_on_port(
    env, engine, fake_slack, tmp_path
):
    """With SLACK_APP_TOKEN, `run` opens a Socket Mode connection instead of serving
    Slack over HTTP; its own small server answers the health check and the calendar
    feeds on PORT, and SIGTERM stops it all cleanly."""
    ctx = replace(CTX, public_url="https://bot.example.org")
    dispatch(engine, ctx, "/partnership", "create Spelthorne LSP")
    dispatch(engine, ctx, "/deadline", 'add "Returns" 5pm 31 July 2027')
    feed = re.search(r"/calendar/\S+\.ics", dispatch(engine, ctx, "/deadline", "feed").text)
    assert feed is not None
    port = free_port()
    socket_env = env | {"SLACK_APP_TOKEN": "xapp-test-token", "PORT": str(port)}
    del socket_env["SLACK_SIGNING_SECRET"]  # not needed without HTTP
    process = spawn_bot(socket_env, tmp_path / "socket.log")
    try:
        (call,) = fake_slack.wait_for("apps.connections.open", timeout=15)[:1]
        assert call.token == "xapp-test-token"
        base = f"http://127.0.0.1:{port}"
        assert http_request("GET", base + "/healthz") == (200, "ok")
        status, calendar = http_request("GET", base + feed[0])
        assert status == 200 and "SUMMARY:Deadline: Returns" in calendar
        assert http_request("GET", base + "/slack/events")[0] == 404
    finally:
        process.terminate()
        stopped = process.wait(timeout=10)
    assert stopped == 0
    logs = (tmp_path / "socket.log").read_text()
    assert "mode=socket" in logs and "Traceback" not in logs
    assert "xapp-test-token" not in logs and "xoxb-test-token" not in logs
    assert feed[0] not in logs  # a feed's URL is its secret


def test_metrics_count_requests_commands_and_reminders(env, engine, fake_slack, tmp_path):
    due_reminders(engine, channels=1, per_channel=2)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        sent = 'partnerbot_reminders_total{result="sent"} 2.0'
        eventually(lambda: sent in http_request("GET", bot.url + "/metrics")[1], what=sent)
        assert post_command(bot, "create Spelthorne LSP")[0] == 200
        assert post_command(bot, "frobnicate")[0] == 200
        status, page = http_request("GET", bot.url + "/metrics")
    finally:
        bot.stop()
    assert status == 200
    lines = set(page.splitlines())
    assert 'partnerbot_commands_total{command="/partnership",outcome="ok"} 1.0' in lines
    assert 'partnerbot_commands_total{command="/partnership",outcome="refused"} 1.0' in lines
    assert 'partnerbot_requests_total{status="200"} 2.0' in lines
    assert "partnerbot_request_seconds_count 2.0" in lines
    assert "partnerbot_reminder_queue_depth 0.0" in lines


@pytest.mark.parametrize("given", [True, False], ids=["operator's directory", "the server's own"])
def test_several_workers_metrics_are_summed_whichever_worker_is_scraped(env, tmp_path, given):
    env = env | {"WEB_CONCURRENCY": "2"}
    if given:
        shared = tmp_path / "metrics"
        shared.mkdir()
        (shared / "counter_1.db").write_bytes(b"")  # an earlier run's, to be forgotten
        env |= {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    bot = BotProcess(env, tmp_path / "bot.log").start()
    sent = 0
    try:
        post_command(bot, "create Spelthorne LSP")
        if not given:  # a directory of the server's own: the one its workers count in
            shared = metrics_directory_of(workers_of(bot.pid))
            assert shared.parent.name.startswith("partnerbot-run-")
        with ThreadPoolExecutor(16) as pool:
            while len(workers_counting(shared)) < 2 and sent < 2000:
                statuses = pool.map(lambda _: post_command(bot, "show")[0], range(100))
                assert set(statuses) == {200}
                sent += 100
        scrapes = [http_request("GET", bot.url + "/metrics")[1] for _ in range(8)]
        assert len(workers_counting(shared)) == 2, "both workers answered commands"
    finally:
        bot.stop()
    shows = f'partnerbot_commands_total{{command="/partnership",outcome="ok"}} {sent + 1}.0'
    assert all(shows in page.splitlines() for page in scrapes)
    assert shared.exists() == given  # the server's own goes with it


def metrics_directory_of(pids: list[str]) -> Path:
    """The directory whose count files the workers have mapped."""
    for pid in pids:
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            if line.endswith(".db") and "/partnerbot-run-" in line:
                return Path(line.split()[-1]).parent
    raise AssertionError("no worker has mapped a metrics file")


def test_by_default_there_is_one_worker_per_cpu(env, tmp_path):
    env = {name: value for name, value in env.items() if name != "WEB_CONCURRENCY"}
    everywhere = os.sched_getaffinity(0)
    cpus = set(sorted(everywhere)[:2])  # the bot inherits this: two, whatever the runner has
    os.sched_setaffinity(0, cpus)
    try:
        bot = BotProcess(env, tmp_path / "bot.log").start()
    finally:
        os.sched_setaffinity(0, everywhere)
    try:
        eventually(lambda: len(workers_of(bot.pid)) == len(cpus), what=f"{len(cpus)} workers")
        assert post_command(bot, "create Spelthorne LSP")[0] == 200
        assert f"mode=http on port {bot.port} with {len(cpus)} worker" in bot.logs()
        bot.wait_for_workers(len(cpus))
    finally:
        bot.stop()


def test_run_plans_the_reminders_missing_at_start(env, engine, tmp_path):
    """Reminders for a deadline written without them (by hand, or before an upgrade)
    are planned when `partnerbot run` starts, before its workers do anything."""
    assert dispatch(engine, CTX, "/partnership", "create Spelthorne LSP").ok
    assert dispatch(engine, CTX, "/deadline", 'add "LAA proposals" 5pm 31 July 2099').ok
    count = select(func.count()).select_from(Reminder)
    with engine.begin() as connection:
        planned = connection.scalar(count)
        connection.execute(delete(Reminder))
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    bot.wait_for_workers(2).stop()
    with engine.connect() as connection:
        assert connection.scalar(count) == planned > 0


def test_a_server_starting_beside_another_on_its_port_is_refused(env, fake_slack, tmp_path):
    """The first server holds its port from its first step, before it asks Slack who
    it is: a second one started meanwhile stops at once, and the first comes up."""
    answer = fake_slack.hold("auth.test")
    first = BotProcess(env, tmp_path / "first.log").spawn()
    try:
        fake_slack.wait_for("auth.test")  # past its checks, not serving yet
        second = run_cli("run", env=env | {"PORT": str(first.port)}, timeout=15)
        assert second.returncode == 2
        assert second.stderr == (
            f"partnerbot: PORT: {first.port} is in use; stop what listens there first\n"
        )
        assert len(fake_slack.calls_to("auth.test")) == 1  # the second got no further
        answer.set()
        first.wait_until_healthy()
    finally:
        answer.set()
        first.stop()


def test_a_port_another_program_listens_on_is_refused(env):
    """Even one that allows sharing (SO_REUSEPORT): the bot never shares its port."""
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("0.0.0.0", 0))
        other.listen()
        port = other.getsockname()[1]
        result = run_cli("run", env=env | {"PORT": str(port), "WEB_CONCURRENCY": "2"}, timeout=15)
    assert result.returncode == 2
    assert result.stderr == f"partnerbot: PORT: {port} is in use; stop what listens there first\n"


def workers_counting(shared: Path) -> set[str]:
    """The pids of the workers that have counted a command in PROMETHEUS_MULTIPROC_DIR."""
    return {f.stem.split("_")[-1] for f in shared.glob("counter_*.db")}


def test_commands_are_acknowledged_while_event_handlers_wait_on_a_slow_slack(
    env, fake_slack, tmp_path
):
    stuck = fake_slack.hold("chat.postMessage", timeout=20)
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        post_command(bot, "create Spelthorne LSP")
        for n in range(20):
            event = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": f"1.{n}"}
            body = event_body(event, team="T1")
            headers = sign(body) | {"Content-Type": "application/json"}
            assert http_request("POST", bot.url + "/slack/events", body.encode(), headers)[0] == 200
        # As many handlers as the bot has threads for them are now stuck on Slack, and
        # stay stuck while commands come in: each is answered, as Slack needs, within
        # Slack's 3 seconds (a command queued behind the handlers would wait 20 s).
        fake_slack.wait_for("chat.postMessage", count=EVENT_THREADS)
        for _ in range(5):
            status, body = post_command(bot, "show", timeout=SLACK_TIMEOUT)
            assert status == 200 and "Spelthorne LSP" in body
        assert not stuck.is_set() and len(fake_slack.calls_to("chat.postMessage")) == EVENT_THREADS
    finally:
        stuck.set()
        bot.stop()
