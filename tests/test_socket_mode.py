"""Socket Mode with several connections: two `partnerbot run` processes with an app token
connect to a fake Socket Mode end, which hands each envelope to one connection, as Slack
does. Commands are answered in the acknowledgement on either connection, and an event
retried down the other connection has one effect."""

import time
from collections import Counter
from urllib.parse import parse_qsl

import pytest
from sqlmodel import Session, select

from storage.models import AssessAnswer, Deadline
from tests.fake_socket_mode import FakeSocketMode
from tests.helpers import BASELINE_ANSWERS
from tests.processes import free_port, spawn_bot
from tests.slack_requests import slash_command_body

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

OFFICER, CHAIR = "U1OFFICER", "U2CHAIR"


def command(
    socket: FakeSocketMode,
    connection: int,
    text: str,
    name: str = "/partnership",
    envelope_id: str | None = None,
):
    body = slash_command_body(name, text, team="T1", user=OFFICER, channel="C1")
    ack = socket.send(connection, "slash_commands", dict(parse_qsl(body)), envelope_id=envelope_id)
    return ack.get("payload", {}).get("text", "")


def test_two_socket_mode_processes_share_the_work_and_a_retry_has_one_effect(
    env, engine, fake_slack, tmp_path
):
    socket_env = env | {"SLACK_APP_TOKEN": "xapp-test-token"}
    del socket_env["SLACK_SIGNING_SECRET"]
    with FakeSocketMode() as socket:
        fake_slack.respond(
            "apps.connections.open", lambda call: (200, {"ok": True, "url": socket.url})
        )
        bots = [  # each its own PORT, for its health check and calendar feeds
            spawn_bot(socket_env | {"PORT": str(free_port())}, tmp_path / f"socket{n}.log")
            for n in (1, 2)
        ]
        try:
            socket.wait_for_connections(2)
            assert "created *Spelthorne LSP*" in command(socket, 0, "create Spelthorne LSP")
            assert "is now a chair" in command(socket, 1, f"role <@{CHAIR}|nick> chair")
            started = command(socket, 0, f"start baseline for <@{CHAIR}|nick>", "/assess")
            assert "Starting questionnaire *1*" in started
            # The parent, the intro in the chair's direct message (its thread the run's), Q1.
            thread_ts = fake_slack.wait_for("chat.postMessage", count=3)[1].response["ts"]
            # One slash_commands envelope delivered twice, to each connection: one deadline.
            added = command(socket, 0, 'add "Returns" 31 July', "/deadline", envelope_id="E1")
            assert "added deadline *1*" in added
            command(socket, 1, 'add "Returns" 31 July', "/deadline", envelope_id="E1")

            answer = {
                "type": "message",
                "channel": f"D{CHAIR}",
                "channel_type": "im",
                "user": CHAIR,
                "text": BASELINE_ANSWERS[0],
                "ts": f"{int(time.time())}.000100",
                "thread_ts": thread_ts,
            }
            event = {
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": "EvSOCKET1",
                "event_time": int(time.time()),
                "event": answer,
            }
            socket.send(1, "events_api", event)
            socket.send(0, "events_api", event, retry=1)  # Slack's retry, down the other one
            fake_slack.wait_for("chat.postMessage", count=4)
            # The bots are other processes: a second answer to the retry, were one
            # coming, would come while the first is answered or soon after.
            fake_slack.drained(quiet=0.5)
        finally:
            for bot in bots:
                bot.terminate()
                bot.wait(timeout=10)

    posted = Counter(c.body["text"] for c in fake_slack.calls_to("chat.postMessage"))
    # The parent, the intro, question 1, question 2: each once.
    assert len(posted) == 4 and set(posted.values()) == {1}
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer.value)).all() == [BASELINE_ANSWERS[0]]
        assert session.exec(select(Deadline.title)).all() == ["Returns"]
