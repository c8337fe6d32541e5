"""HTTP mode's reminders come from one dispatcher per `partnerbot run`, whatever its
number of workers: it runs in the worker holding the run's lock (bot.server.OneWorker),
comes back in another when that worker is killed, and stops with the server."""

import os
import re
import signal
import threading

import pytest
from sqlmodel import Session, select

from bot.server import OneWorker
from storage.models import Reminder, ReminderState
from tests.fake_slack import eventually
from tests.processes import BotProcess, workers_of
from tests.reminder_rows import POSTED, due_reminders

ONE_DISPATCHER = re.compile(r"this server's one dispatcher runs in worker (\d+)")


def claimants(engine) -> set[str]:
    """The pid in each sent reminder's claim (host:pid:dispatcher)."""
    with Session(engine) as session:
        rows = session.exec(select(Reminder.claimed_by, Reminder.state).where(POSTED)).all()
    assert {state for _, state in rows} == {ReminderState.SENT}
    return {claimed_by.split(":")[1] for claimed_by, _ in rows}


def all_sent(engine) -> bool:
    with Session(engine) as session:
        states = set(session.exec(select(Reminder.state).where(POSTED)))
    return states == {ReminderState.SENT}


def dispatchers(bot: BotProcess) -> list[str]:
    """The pid of each worker that has started the dispatcher, in order."""
    return ONE_DISPATCHER.findall(bot.logs())


@pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`
def test_two_workers_one_dispatcher_and_sigterm_stops_it(env, engine, fake_slack, tmp_path):
    due_reminders(engine, channels=10, per_channel=3)
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    try:
        bot.wait_for_workers(2)
        eventually(lambda: all_sent(engine), timeout=60, what="every reminder sent")
        (holder,) = claimants(engine)
        assert holder in workers_of(bot.pid)
        assert sorted(fake_slack.reminders_posted()) == list(range(1, 31))
        assert dispatchers(bot) == [holder], "one dispatcher, in the worker that posted"
    finally:
        assert bot.stop() == 0
    assert f"the dispatcher in worker {holder} has stopped" in bot.logs()


@pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`
def test_kill_9_of_the_dispatching_worker_and_reminders_still_go_once(
    env, engine, fake_slack, tmp_path
):
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    try:
        bot.wait_for_workers(2)
        (first,) = eventually(lambda: dispatchers(bot), what="a dispatcher")
        os.kill(int(first), signal.SIGKILL)
        (_, second) = eventually(lambda: dispatchers(bot)[1:] and dispatchers(bot), what="another")
        count = due_reminders(engine, channels=5, per_channel=2)
        eventually(lambda: all_sent(engine), timeout=60, what="every reminder sent")
        assert claimants(engine) == {second} and second != first
        assert second in workers_of(bot.pid)
        fake_slack.drained()
        assert sorted(fake_slack.reminders_posted()) == list(range(1, count + 1))
        assert dispatchers(bot) == [first, second]
        bot.wait_for_workers(3)  # the one gunicorn started in place of the killed one
    finally:
        assert bot.stop() == 0


def test_a_refused_worker_takes_over_once_the_holder_has_gone(tmp_path, monkeypatch):
    """The race the retry is for: a worker refused the lock while its holder lives
    must not count on gunicorn's replacement, which may have asked before the lock was
    free (a reload starts new workers before stopping the old ones)."""
    monkeypatch.setattr(OneWorker, "RETRY", 0.05)
    lock = tmp_path / "one-worker.lock"  # flock: two opens conflict even in one process
    holder, refused = Started(), Started()
    there, here = OneWorker(lock, holder.start), OneWorker(lock, refused.start)
    there.claim()
    here.claim()
    try:
        assert holder.running.is_set() and not refused.running.is_set()
        there.release()  # its worker exits (the kernel drops the lock of one killed too)
        assert holder.stopped.is_set()
        assert refused.running.wait(15), "taken over after the holder left"
    finally:
        here.release()
    assert refused.stopped.is_set()


def test_a_start_that_fails_is_tried_again(tmp_path, monkeypatch):
    """A worker must still boot when the dispatcher cannot start (gunicorn stops the
    whole server when one does not): the lock is let go and asked for again."""
    monkeypatch.setattr(OneWorker, "RETRY", 0.05)
    attempts, started = [], Started()

    def start():
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            raise OSError("the database is down")
        return started.start()

    one = OneWorker(tmp_path / "one-worker.lock", start)
    one.claim()
    try:
        assert started.running.wait(15)
    finally:
        one.release()
    assert attempts == [1, 2] and started.stopped.is_set()


class Started:
    """What OneWorker starts, recording that it ran and was stopped."""

    def __init__(self) -> None:
        self.running, self.stopped = threading.Event(), threading.Event()

    def start(self):
        self.running.set()
        return self.stopped.set
