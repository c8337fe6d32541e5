"""Real `partnerbot run` processes on one database: two replicas post each of 1,000 due
reminders exactly once, never two to a channel within a second, and a bot killed with SIGKILL mid-dispatch, then restarted,
loses none and doubles none. The fake Web API is slowed so that work overlaps."""

import itertools
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from scheduler.dispatcher import CHANNEL_GAP
from storage.models import Reminder, ReminderState
from tests.fake_slack import eventually
from tests.processes import BotProcess
from tests.reminder_rows import POSTED, due_reminders

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

SLOW_POST = 0.02  # seconds per chat.postMessage
DUE_IN = timedelta(seconds=15)  # after seeding


def slow_posts(fake_slack):
    def answer(call):
        time.sleep(SLOW_POST)
        return 200, fake_slack.store_message(call.body, f"{time.time():.6f}")

    fake_slack.respond("chat.postMessage", answer)


def unfinished(engine) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).where(
                Reminder.state.in_([ReminderState.PENDING, ReminderState.POSTING]), POSTED
            )
        ).one()


def shortest_gap(fake_slack) -> float:
    """Seconds between the two closest messages in one channel (each message's ts is
    when the fake answered it)."""
    times = [sorted(float(m["ts"]) for m in ms) for ms in fake_slack.messages.values()]
    return min(b - a for each in times for a, b in itertools.pairwise(each))


def assert_each_posted_once(engine, fake_slack, count: int) -> None:
    posted = Counter(fake_slack.reminders_posted())
    assert [rid for rid, n in posted.items() if n > 1] == []
    assert len(posted) == count
    with Session(engine) as session:
        states = Counter(session.exec(select(Reminder.state).where(POSTED)))
    assert states == {ReminderState.SENT: count}


def test_two_replicas_post_each_of_1000_reminders_once(engine, env, fake_slack, tmp_path):
    # Due once both are surely up: started together, a slow machine could still have
    # the first nearly done before the second began, leaving it nothing to take part in.
    count = due_reminders(engine, channels=100, per_channel=10, due_in=DUE_IN)
    slow_posts(fake_slack)
    replicas = [BotProcess(env, tmp_path / f"replica{n}.log") for n in (1, 2)]
    try:
        for replica in replicas:
            replica.spawn()
        for replica in replicas:
            replica.wait_until_healthy()
        eventually(lambda: unfinished(engine) == 0, timeout=120, what="every reminder sent")
    finally:
        for replica in replicas:
            replica.stop()
    assert_each_posted_once(engine, fake_slack, count)
    with Session(engine) as session:
        tokens = session.exec(select(Reminder.claimed_by).where(POSTED)).all()
    assert len({token.split("#")[0] for token in tokens}) == 2, "both replicas took part"
    assert shortest_gap(fake_slack) >= CHANNEL_GAP, "one replica at a time, a second apart"


@pytest.mark.parametrize("after_posts", [1, 150])
def test_kill_9_mid_dispatch_then_restart_loses_none_and_doubles_none(
    engine, env, fake_slack, tmp_path, after_posts
):
    count = due_reminders(engine, channels=100, per_channel=3)
    # Posts after the first `after_posts` are held until the kill, so the bot always
    # dies with claims in flight, never between two rounds.
    held = threading.Event()
    numbers = itertools.count(1)

    def answer(call):
        if next(numbers) > after_posts:
            held.wait(timeout=60)
        time.sleep(SLOW_POST)
        return 200, fake_slack.store_message(call.body, f"{time.time():.6f}")

    fake_slack.respond("chat.postMessage", answer)
    env = env | {"REMINDER_LEASE_SECONDS": "15"}
    bot = BotProcess(env, tmp_path / "bot.log").start()
    eventually(
        lambda: len(fake_slack.reminders_posted()) >= after_posts, what=f"{after_posts} posts"
    )
    bot.kill()
    held.set()
    # The killed bot's posts in flight are Slack's now: all of them in the history before
    # the restarted bot looks there for its orphaned claims.
    fake_slack.drained()
    with Session(engine) as session:
        at_kill = Counter(session.exec(select(Reminder.state)))
    assert at_kill[ReminderState.POSTING] > 0, "killed mid-round, with claims in flight"
    restarted = BotProcess(env, tmp_path / "restarted.log").start()
    try:
        eventually(lambda: unfinished(engine) == 0, timeout=90, what="every reminder sent")
    finally:
        restarted.stop()
    assert_each_posted_once(engine, fake_slack, count)
    assert fake_slack.calls_to("conversations.history"), "the orphaned claims were checked"
