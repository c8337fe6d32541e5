"""The acceptance flow on two `partnerbot run` replicas sharing PostgreSQL, as behind a
load balancer: requests alternate between them, every thread reply is also delivered
again as Slack's retries (X-Slack-Retry-Num 1-3) to both replicas at once, and a
deadline's reminder falls due while both dispatch. Nothing is done twice."""

import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from http.client import HTTPConnection
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import (
    AssessAnswer,
    AssessRun,
    BudgetLine,
    Deadline,
    Fund,
    Reminder,
    ReminderState,
)
from tests.fake_slack import eventually
from tests.helpers import BASELINE_ANSWERS, postgresql_only
from tests.processes import BotProcess
from tests.reminder_rows import POSTED
from tests.slack_requests import event_body, sign, slash_command_body

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

OFFICER, CHAIR = "U1OFFICER", "U2CHAIR"
DM = f"D{CHAIR}"  # the chair's direct conversation with the bot
LONDON = ZoneInfo("Europe/London")


def send(bot: BotProcess, body: str, headers: dict, content_type: str):
    connection = HTTPConnection(urlsplit(bot.url).netloc, timeout=10)
    connection.request("POST", "/slack/events", body, headers | {"Content-Type": content_type})
    response = connection.getresponse()
    return response.status, response.read().decode()


class LoadBalancer:
    """Hands each request to the next replica, as a round-robin balancer does."""

    def __init__(self, replicas: list[BotProcess], response_url: str):
        self.replicas, self.response_url = replicas, response_url
        self._next = itertools.cycle(replicas)

    def command(self, command: str, text: str, user: str = OFFICER) -> str:
        body = slash_command_body(
            command, text, team="T1", user=user, channel="C1", response_url=self.response_url
        )
        status, answer = send(
            next(self._next), body, sign(body), "application/x-www-form-urlencoded"
        )
        assert status == 200 and "Something went wrong" not in answer, answer
        return answer

    def event_with_retries(self, event: dict, event_id: str) -> None:
        """The delivery and three retries of one event, all at once, across replicas."""
        body = event_body(event, team="T1", event_id=event_id)
        deliveries = [sign(body)] + [
            sign(body) | {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
            for n in (1, 2, 3)
        ]
        with ThreadPoolExecutor(len(deliveries)) as pool:
            statuses = list(
                pool.map(
                    lambda pair: send(pair[0], body, pair[1], "application/json")[0],
                    zip(itertools.cycle(self.replicas), deliveries),
                )
            )
        assert statuses == [200] * len(deliveries)


def the_next_minute_but_one_command_away() -> datetime:
    """The next whole minute (London time) at least 20 s off: a window opening then is
    still to come when the one command that sets it has been answered, and is announced
    while both replicas run. The command is the last thing before the wait, so only it
    needs the margin; each test waited 70-130 s here when the margin also covered the
    questionnaire. An opening on a weekend is announced the working day before only if
    the window was recorded by then (reminders.window), so this holds on any day of the
    week."""
    now = datetime.now(LONDON)
    due = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return due if due - now >= timedelta(seconds=20) else due + timedelta(minutes=1)


def counts(engine, *models) -> list[int]:
    with Session(engine) as session:
        return [session.exec(select(func.count()).select_from(m)).one() for m in models]


@postgresql_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_acceptance_flow_on_two_replicas_does_nothing_twice(engine, env, fake_slack, tmp_path):
    replicas = [BotProcess(env, tmp_path / f"replica{n}.log").start() for n in (1, 2)]
    slack = LoadBalancer(replicas, f"{fake_slack.url}response/T1")
    try:
        slack.command("/partnership", "create Spelthorne LSP")
        slack.command("/partnership", f"role <@{CHAIR}|nick> chair")
        slack.command("/budget", 'fund "PtP credit" £6,000 from "South East Employers"')
        slack.command("/budget", 'plan "PtP credit" Joint training £5,600')
        # Due well after today: from two days before its due date a run is nudged in the
        # direct message, and the nudge would stand in for the next question below.
        due_by = datetime.now(LONDON) + timedelta(days=30)
        slack.command("/assess", f"start baseline for <@{CHAIR}|nick> due {due_by:%d %B %Y}")
        # Counted in the chair's direct message alone: posts into the channel, from either
        # replica, come when they come. The intro's thread there is the run's. Question 1,
        # not the intro, says the run's start is recorded: the intro is posted before
        # (its ts is what is recorded), and an answer sent on seeing it alone could
        # arrive while the run was still starting.
        intro, _ = fake_slack.wait_for("chat.postMessage", count=2, channel=DM)[:2]
        thread_ts = intro.response["ts"]

        for n, answer in enumerate([*BASELINE_ANSWERS, "submit"]):
            asked = len(fake_slack.calls_to("chat.postMessage", DM))
            event = {
                "type": "message",
                "channel": DM,
                "channel_type": "im",
                "user": CHAIR,
                "text": answer,
                "ts": f"{int(time.time())}.{n:06d}",
                "thread_ts": thread_ts,
            }
            slack.event_with_retries(event, event_id=f"EvANSWER{n}")
            # The next question (or the thanks) in the thread: the answer is recorded.
            fake_slack.wait_for("chat.postMessage", count=asked + 1, channel=DM)

        due = the_next_minute_but_one_command_away()
        opens = f"{due:%H:%M} {due:%d %B %Y}"
        slack.command(
            "/deadline", f'window "PtP credit" from {opens} to 31 December {due.year + 1}'
        )
        eventually(lambda: fake_slack.reminders_posted(), timeout=150, what="the window's opening")
        # Replicas are other processes: a second post of anything, were one coming,
        # would come while the first is answered or soon after.
        fake_slack.drained(quiet=1)
    finally:
        for replica in replicas:
            replica.stop()

    posted = Counter(
        (c.body["channel"], c.body.get("thread_ts"), c.body["text"])
        for c in fake_slack.calls_to("chat.postMessage")
    )
    assert [message for message, n in posted.items() if n > 1] == []
    assert len(fake_slack.reminders_posted()) == 1
    assert counts(engine, Fund, BudgetLine, Deadline, AssessRun, AssessAnswer) == [*[1] * 4, 10]
    with Session(engine) as session:
        sent = session.exec(
            select(Reminder.rung).where(Reminder.state == ReminderState.SENT, POSTED)
        )
        assert list(sent) == ["opens"]
    with Session(engine) as session:
        assert session.exec(select(AssessRun.status)).one() == "submitted"
