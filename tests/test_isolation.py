"""Workspaces never see or touch each other's data. Workspace T1 keeps a partnership
with a budget, dates, a questionnaire and a digest in channel C1; workspace T2 then
sends every command family, in a channel with the same id, from the same user ids,
naming T1's numbers and names and replying in T1's thread. T1's rows must be exactly
as they were, and nothing T2 is shown may name them."""

import json

import pytest

from tests.fake_slack import eventually
from tests.helpers import team_rows
from tests.slack_requests import SlackDriver

OFFICER, CHAIR = "U1OFFICER", "U2CHAIR"
SECRETS = ("Zebra", "Quokka", "Xylophone", "Yak meeting")

T2_COMMANDS = [
    ("/partnership", "show"),
    ("/partnership", "list"),
    ("/partnership", "link Zebra Valley LSP"),
    ("/partnership", f"role <@{CHAIR}|nick> officer"),
    ("/partnership", "unlink"),
    ("/budget", ""),
    ("/budget", "lines"),
    ("/budget", "history"),
    ("/budget", "spend 1 £5"),
    ("/budget", "cancel 1"),
    ("/budget", 'contribute "Quokka fund" £1 from "Me"'),
    ("/budget", "export"),
    ("/budget", "chart"),
    ("/deadline", "list all"),
    ("/deadline", "done 1"),
    ("/deadline", "move 1 5pm 1 August"),
    ("/deadline", "remind 1 none"),
    ("/deadline", "remove 1"),
    ("/deadline", "ical"),
    ("/deadline", "digest off"),
    ("/event", "list all"),
    ("/event", "remove 1"),
    ("/event", "move 1 3 April"),
    ("/assess", "status"),
    ("/assess", "report 1"),
    ("/assess", "export 1"),
    ("/assess", "cancel 1"),
    ("/assess", "compare baseline"),
]


@pytest.fixture
def t1(slack, fake_slack, engine):
    def officer(command: str, text: str):
        reply = slack.command(command, text, user=OFFICER)
        assert reply.status == 200, reply.body
        return reply

    officer("/partnership", "create Zebra Valley LSP")
    officer("/partnership", f"role <@{CHAIR}|nick> chair")
    officer("/budget", 'fund "Quokka fund" £6,000')
    officer("/budget", 'plan "Quokka fund" Joint training £1,200')
    officer("/deadline", 'add "Xylophone proposals" 5pm 31 July')
    officer("/event", "add Yak meeting on 12 March 2pm at Woking")
    officer("/deadline", "digest monday 9am")
    officer("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    started = fake_slack.wait_for("chat.postMessage", count=3)
    return started[1].response["ts"]  # the run's own thread in the chair's direct message


@pytest.mark.parametrize("command, text", T2_COMMANDS)
def test_another_workspace_cannot_read_or_change_anything(
    t1, app, engine, fake_slack, command, text
):
    before = team_rows(engine, "T1")
    reply = SlackDriver(app, team="T2").command(command, text, user=OFFICER)
    assert reply.status == 200
    # Names T2 typed itself may be repeated back to it; nothing else of T1's may show.
    leaked = [s for s in SECRETS if s in reply.everything and s not in text]
    assert leaked == [], reply.everything
    assert team_rows(engine, "T1") == before


def test_a_reply_in_the_other_workspaces_thread_is_not_an_answer(t1, app, engine, fake_slack):
    before = team_rows(engine, "T1")
    posts = len(fake_slack.calls_to("chat.postMessage"))
    event = {
        "type": "message",
        "channel": f"D{CHAIR}",
        "user": CHAIR,
        "text": "We meet quarterly",
        "ts": "1700009999.000100",
        "thread_ts": t1,
        "channel_type": "im",
    }
    assert SlackDriver(app, team="T2").event(event).status == 200
    # A T1 reply afterwards is answered; the T2 one before it never was.
    SlackDriver(app, team="T1").event(event | {"ts": "1700009999.000200"})
    eventually(lambda: len(fake_slack.calls_to("chat.postMessage")) > posts, what="T1's answer")
    after = team_rows(engine, "T1")
    assert [a["value"] for a in after["assess_answer"]] == ["We meet quarterly"]
    assert after["assess_answer"][0]["message_ts"] == "1700009999.000200"
    assert before["assess_run"][0]["id"] == after["assess_run"][0]["id"]
    told = [c.body for c in fake_slack.calls_to("chat.postMessage")[posts:]]
    assert all(b.get("thread_ts") == t1 for b in told) and len(told) == 1, json.dumps(told)
