"""A claim never lapses while its post is on its way: two dispatchers on one database,
a Slack that answers each post slowly (but within the client's timeout), more due
channels than can be posted within one lease. Each reminder reaches Slack once."""

import threading
import time
from collections import Counter
from datetime import timedelta

from slack_sdk import WebClient
from sqlmodel import Session, select

from commands.context import utc_now
from scheduler.dispatcher import Dispatcher
from storage.models import Reminder, ReminderState
from tests.fake_slack import eventually
from tests.fake_time import LONDON
from tests.reminder_rows import due_reminders
from tests.slack_requests import BOT_TOKEN

SLOW_POST = 0.5  # seconds before the fake answers chat.postMessage
POST_TIMEOUT = 2  # the client's: every post is answered well within it
LEASE = timedelta(seconds=3)  # longer than the timeout, shorter than the whole backlog
THREADS = 4  # 48 channels are 12 waves of slow posts: 6 s, twice the lease


def test_two_dispatchers_and_a_slow_slack_post_each_reminder_once(engine, fake_slack):
    count = due_reminders(engine, channels=48, per_channel=1)

    def slow_post(call):
        time.sleep(SLOW_POST)
        return 200, fake_slack.store_message(call.body, f"{time.time():.6f}")

    fake_slack.respond("chat.postMessage", slow_post)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url, timeout=POST_TIMEOUT)
    first, second = (
        Dispatcher(
            engine,
            lambda team: client,
            tz=LONDON,
            clock=utc_now,
            threads=THREADS,
            lease=LEASE,
            post_timeout=POST_TIMEOUT,
        )
        for _ in range(2)
    )
    runs = [threading.Thread(target=first.run_due)]
    runs[0].start()
    # The second starts once the first holds claims, so that it meets them lapsing.
    eventually(lambda: states(engine)[ReminderState.POSTING], what="the first's claims")
    runs.append(threading.Thread(target=second.run_due))
    runs[1].start()
    try:
        for run in runs:  # each returns once nothing is due or claimed within reach
            run.join(timeout=120)
        assert not any(run.is_alive() for run in runs), "the dispatchers never finished"
    finally:
        first.close()
        second.close()
    # A post its client gave up on may still be answered: count what Slack ends up with.
    fake_slack.drained()
    posted = Counter(fake_slack.reminders_posted())
    assert [rid for rid, n in posted.items() if n > 1] == []
    assert len(posted) == count
    assert states(engine) == {ReminderState.SENT: count}


def states(engine) -> Counter:
    with Session(engine) as session:
        return Counter(session.exec(select(Reminder.state)))
