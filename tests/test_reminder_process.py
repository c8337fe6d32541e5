"""HTTP mode's reminders come from one process per `partnerbot run`, whatever its number
of workers: a real server with two workers, its reminder process killed and restarted,
and SIGTERM stopping it with the server."""

import os
import signal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.models import Reminder, ReminderState
from tests.fake_slack import eventually
from tests.processes import BotProcess, reminder_processes_of, workers_of
from tests.reminder_rows import due_reminders

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

ONE_DISPATCHER = "this server's one dispatcher runs in process"


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


def running(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_two_workers_one_dispatcher_and_sigterm_stops_it(env, engine, fake_slack, tmp_path):
    due_reminders(engine, channels=10, per_channel=3)
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    try:
        eventually(lambda: len(workers_of(bot.pid)) == 2, what="two workers")
        (reminders,) = reminder_processes_of(bot.pid)
        eventually(lambda: all_sent(engine), timeout=60, what="every reminder sent")
        assert claimants(engine) == {reminders}, "posted by the reminder process alone"
        assert len(fake_slack.reminders_posted()) == 30
    finally:
        assert bot.stop() == 0
    assert bot.logs().count(ONE_DISPATCHER) == 1
    eventually(lambda: not running(reminders), what="the reminder process to stop")


def test_a_reminder_process_that_dies_is_replaced(env, engine, fake_slack, tmp_path):
    bot = BotProcess(env | {"WEB_CONCURRENCY": "2"}, tmp_path / "bot.log").start()
    try:
        (first,) = eventually(lambda: reminder_processes_of(bot.pid), what="reminders")
        os.kill(int(first), signal.SIGKILL)
        (second,) = eventually(
            lambda: [pid for pid in reminder_processes_of(bot.pid) if pid != first],
            what="another reminder process",
        )
        due_reminders(engine, channels=5, per_channel=2)
        eventually(lambda: all_sent(engine), timeout=60, what="every reminder sent")
        assert claimants(engine) == {second}
    finally:
        assert bot.stop() == 0
    assert f"the reminder process (pid {first}) stopped; starting another" in bot.logs()
