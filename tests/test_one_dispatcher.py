"""HTTP mode's reminders come from one dispatcher per `partnerbot run`, whatever its
number of workers: it runs in the worker holding the run's lock (bot.server.OneWorker),
comes back in another when that worker is killed, and stops with the server."""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.server import OneWorker
from storage.models import Reminder, ReminderState
from tests.fake_slack import eventually
from tests.processes import BotProcess, workers_of
from tests.reminder_rows import due_reminders

ONE_DISPATCHER = re.compile(r"this server's one dispatcher runs in worker (\d+)")
ROOT = Path(__file__).resolve().parents[1]


def claimants(engine) -> set[str]:
    """The pid in each sent reminder's claim (host:pid:dispatcher)."""
    with Session(engine) as session:
        rows = session.exec(select(Reminder.claimed_by, Reminder.state)).all()
    assert {state for _, state in rows} == {ReminderState.SENT}
    return {claimed_by.split(":")[1] for claimed_by, _ in rows}


def all_sent(engine) -> bool:
    with Session(engine) as session:
        states = set(session.exec(select(Reminder.state)))
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


def test_a_refused_worker_takes_over_once_the_holder_is_killed(tmp_path, monkeypatch):
    """The race the retry is for: a worker refused the lock while its holder lives
    must not wait for gunicorn's replacement, which may have asked before the lock was
    free (a reload starts new workers before stopping the old ones)."""
    lock = tmp_path / "one-worker.lock"
    holder = hold_in_another_process(lock)
    monkeypatch.setattr(OneWorker, "RETRY", 0.05)
    started, stopped = threading.Event(), threading.Event()

    def start():
        started.set()
        return stopped.set

    here = OneWorker(lock, start)
    here.claim()
    try:
        assert not started.is_set(), "the other process holds the lock"
        holder.kill()
        holder.wait()
        assert started.wait(15), "taken over after the holder died"
    finally:
        here.release()
    assert stopped.is_set()


def hold_in_another_process(lock: Path) -> subprocess.Popen:
    """A process whose OneWorker holds `lock` (it prints once it does)."""
    code = (
        "import sys, time; from pathlib import Path; from bot.server import OneWorker\n"
        "OneWorker(Path(sys.argv[1]), lambda: print('holding', flush=True) or print).claim()\n"
        "time.sleep(600)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "holding\n"
    return process
