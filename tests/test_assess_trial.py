"""Issue 21's "done when", tried as a new user would, on the real `partnerbot run`: the
ten-area baseline answered in a direct message across a restart, submitted, circulated
to the channel without its confidential answer, read in full by an officer, reopened
and changed before its due date, and compared side by side with another partnership's.
On SQLite and PostgreSQL (the database_url fixture), against the fake Slack."""

import csv
import io
import itertools
import json
from datetime import date, timedelta

import pytest

from tests.fake_slack import eventually
from tests.helpers import BASELINE_ANSWERS, calls_carrying
from tests.processes import BotProcess, http_request
from tests.slack_requests import event_body, sign, slash_command_body

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

OFFICER, CHAIR, OTHER_CHAIR, MEMBER = "U1OFFICER", "U2CHAIR", "U4CHAIR", "U3MEMBER"
SECRET = "one partner rarely attends"  # in answer 2, which is in confidence
OTHER_SECRET = "the PCT never comes"

_ts = itertools.count(1_700_100_000)
# A month ahead of the real clock the bot runs on: never inside the two days before a
# due date, when a dispatcher round would nudge into the DM between two questions.
_DUE = date.today() + timedelta(days=30)
DUE = f"{_DUE.day} {_DUE:%B %Y}"


class Person:
    def __init__(self, bot: BotProcess, user: str, channel: str = "C1"):
        self.bot, self.user, self.channel = bot, user, channel

    def command(self, text: str, command: str = "/assess") -> dict:
        body = slash_command_body(command, text, team="T1", user=self.user, channel=self.channel)
        headers = sign(body) | {"Content-Type": "application/x-www-form-urlencoded"}
        status, answer = http_request(
            "POST", self.bot.url + "/slack/events", body.encode(), headers
        )
        assert status == 200, answer
        return json.loads(answer)

    def direct_message(self, text: str, *, ts: str | None = None, edited: bool = False) -> str:
        ts = ts or f"{next(_ts)}.000100"
        message = {"type": "message", "user": self.user, "text": text, "ts": ts}
        event = {"channel": f"D{self.user}", "channel_type": "im"} | (
            {
                "type": "message",
                "subtype": "message_changed",
                "message": message,
                "ts": f"{next(_ts)}.000300",
            }
            if edited
            else message
        )
        body = event_body(event, team="T1")
        headers = sign(body) | {"Content-Type": "application/json"}
        assert (
            http_request("POST", self.bot.url + "/slack/events", body.encode(), headers)[0] == 200
        )
        return ts


def direct_posts(fake, user: str) -> list[str]:
    return [
        c.body["text"] for c in fake.calls_to("chat.postMessage") if c.body["channel"] == f"D{user}"
    ]


def answered(fake, person: Person, text: str, expect: str) -> str:
    """Send `text` in the direct conversation and wait for a reply holding `expect`."""
    before = len(direct_posts(fake, person.user))
    ts = person.direct_message(text)
    eventually(
        lambda: any(expect in p for p in direct_posts(fake, person.user)[before:]),
        what=f"{expect!r} after {text!r}",
    )
    return ts


def test_the_baseline_from_start_to_comparison_across_a_restart(env, fake_slack, tmp_path):
    bot = BotProcess(env, tmp_path / "bot.log").start()
    officer, chair = Person(bot, OFFICER), Person(bot, CHAIR)
    try:
        assert (
            officer.command("create Spelthorne LSP", "/partnership")["response_type"]
            == "in_channel"
        )
        officer.command(f"role <@{CHAIR}|nick> chair", "/partnership")
        officer.command(f"role <@{MEMBER}|margaret> member", "/partnership")
        started = officer.command(f"start baseline for <@{CHAIR}|nick> due {DUE}")
        assert "in a direct message with me" in started["text"]
        eventually(
            lambda: "Question 1 of 10" in "".join(direct_posts(fake_slack, CHAIR)), what="Q1"
        )

        secret_answer = BASELINE_ANSWERS[1].replace("one partner rarely attends", SECRET)
        answers = [BASELINE_ANSWERS[0], secret_answer, *BASELINE_ANSWERS[2:]]
        first_ts = answered(fake_slack, chair, answers[0], "Question 2 of 10")
        for number, answer in enumerate(answers[1:5], start=3):
            answered(fake_slack, chair, answer, f"Question {number} of 10")

        assert bot.stop() == 0  # a restart mid-questionnaire
        bot.start()
        answered(fake_slack, chair, "status", "5 of 10 answered · being answered; on question 6")
        chair.direct_message("We meet monthly now.", ts=first_ts, edited=True)  # before the restart
        eventually(
            lambda: "Updated your answer to question 1" in direct_posts(fake_slack, CHAIR)[-1],
            what="the edit",
        )
        for number, answer in enumerate(answers[5:], start=7):
            answered(
                fake_slack,
                chair,
                answer,
                f"Question {number} of 10" if number <= 10 else "Your answers",
            )
        answered(fake_slack, chair, "submit", "Submitted")

        circulated = eventually(
            lambda: [
                c.body["text"]
                for c in fake_slack.calls_to("chat.postMessage")
                if c.body["channel"] == "C1" and "submitted questionnaire *1*" in c.body["text"]
            ],
            what="the answers circulated",
        )[0]
        assert "We meet monthly now." in circulated and SECRET not in circulated
        assert ":lock: _answered in confidence_" in circulated

        report = officer.command("report 1")
        assert report["response_type"] == "ephemeral" and SECRET in json.dumps(report)
        member = Person(bot, MEMBER).command("report 1")
        assert SECRET not in json.dumps(member) and "answered in confidence" in json.dumps(member)

        assert "reopened questionnaire *1*" in chair.command("reopen 1")["text"]
        eventually(lambda: "is open again" in direct_posts(fake_slack, CHAIR)[-1], what="reopened")
        answered(fake_slack, chair, "edit 3", "Question 3 of 10")
        answered(fake_slack, chair, "The strategy was refreshed in 2009.", "Your answers")
        answered(fake_slack, chair, "submit", "Submitted")
        resubmitted = eventually(
            lambda: [
                c.body["text"]
                for c in fake_slack.calls_to("chat.postMessage")
                if "re-submitted questionnaire *1*" in c.body["text"]
            ],
            what="the answers circulated again",
        )[0]
        assert "refreshed in 2009" in resubmitted and SECRET not in resubmitted
        changed = json.dumps(officer.command("report 1"))
        assert "rewritten; it said:" in changed and "refreshed in 2009" in changed

        # Another partnership, in its own channel, answers the same baseline.
        other_officer = Person(bot, OFFICER, channel="C2")
        other_officer.command("create Elmbridge LSP", "/partnership")
        other_officer.command(f"role <@{OTHER_CHAIR}|sue> chair", "/partnership")
        other_officer.command(f"start baseline for <@{OTHER_CHAIR}|sue> due {DUE}")
        other = Person(bot, OTHER_CHAIR, channel="C2")
        eventually(
            lambda: "Question 1 of 10" in "".join(direct_posts(fake_slack, OTHER_CHAIR)),
            what="the other's question 1",
        )
        for number, answer in enumerate(["Elmbridge meets monthly.", OTHER_SECRET, *"abcdefgh"], 2):
            answered(
                fake_slack, other, answer, f"Question {number} of 10" if number <= 10 else "Your"
            )
        answered(fake_slack, other, "submit", "Submitted")

        compared = officer.command("compare baseline")
        assert "2 partnerships submitted" in compared["text"]
        upload = eventually(lambda: fake_slack.calls_to("upload"), what="the file")[-1]
        rows = list(csv.reader(io.StringIO(upload.body["content"].decode("utf-8-sig"))))
        assert rows[1] == ["Question", "Elmbridge LSP", "Spelthorne LSP"]  # under the title
        by_question = {row[0]: row[1:] for row in rows}
        assert by_question["2. Structure and membership"] == ["in confidence", "in confidence"]
        assert by_question["1. Operations"] == ["Elmbridge meets monthly.", "We meet monthly now."]

        for secret in (SECRET, OTHER_SECRET):
            channels = {channel for _, channel in calls_carrying(fake_slack, secret)}
            assert channels <= {f"D{CHAIR}", f"D{OTHER_CHAIR}"}, secret
    finally:
        bot.stop()
    assert "Traceback" not in bot.logs(), bot.logs()
