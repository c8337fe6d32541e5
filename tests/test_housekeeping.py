"""The daily housekeeping job: what it prunes, what it keeps, that one replica runs it
a day, and that a running bot does it."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.config import ConfigError, load_settings
from scheduler.housekeeping import Retention, housekeep
from storage.models import (
    AssessAnswer,
    AssessRun,
    Partnership,
    Reminder,
    ReminderState,
    RunStatus,
)
from storage.transaction import in_transaction
from storage.upkeep_tables import ChannelClaim, SlackEvent
from tests.fake_slack import eventually
from tests.helpers import NOW
from tests.processes import BotProcess

YEAR = timedelta(days=365)
DAY = timedelta(days=1)


def partnership(session: Session) -> int:
    row = Partnership(team_id="T1", name="P", name_key="p", created_by="U1", created_at=NOW)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def run(session: Session, pid: int, number: int, status: RunStatus, last_activity) -> int:
    row = AssessRun(
        team_id="T1",
        partnership_id=pid,
        number=number,
        template_name="baseline",
        source="questions: []",
        assignee_id="U2",
        channel_id="C1",
        thread_ts=f"{number}.0",
        status=status,
        created_by="U1",
        created_at=last_activity,
        last_activity_at=last_activity,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    answer = AssessAnswer(
        team_id="T1", run_id=row.id, position=0, value="yes", answered_by="U2", answered_at=NOW
    )
    session.add(answer)
    return row.id


def reminder(
    session: Session, pid: int, state: ReminderState, finished, subject_id=1, subject="deadline"
):
    session.add(
        Reminder(
            team_id="T1",
            partnership_id=pid,
            subject=subject,
            subject_id=subject_id,
            rung=str(state),
            due_at=finished or NOW,
            expires_at=(finished or NOW) + DAY,
            channel_id="C1",
            state=state,
            finished_at=finished,
        )
    )


def event(session: Session, event_id: str, received_at) -> None:
    session.add(SlackEvent(event_id=event_id, team_id="T1", received_at=received_at))


def kept(engine, key):
    with Session(engine) as session:
        return sorted(session.exec(select(key)))


def test_prunes_only_what_is_past_its_retention(engine):
    with Session(engine) as session:
        pid = partnership(session)
        old_cancelled = run(session, pid, 1, RunStatus.CANCELLED, NOW - YEAR - DAY)
        recent_cancelled = run(session, pid, 2, RunStatus.CANCELLED, NOW - YEAR + DAY)
        old_submitted = run(session, pid, 3, RunStatus.SUBMITTED, NOW - 2 * YEAR)
        reminder(session, pid, ReminderState.SENT, NOW - YEAR - DAY)  # goes
        reminder(session, pid, ReminderState.FAILED, NOW - 2 * YEAR)  # goes
        reminder(session, pid, ReminderState.SKIPPED, NOW - YEAR + DAY)
        reminder(session, pid, ReminderState.PENDING, None)
        reminder(session, pid, ReminderState.PENDING, None, old_cancelled, "run")  # goes
        event(session, "Ev-old", NOW - DAY - timedelta(minutes=1))
        event(session, "Ev-new", NOW - DAY + timedelta(minutes=1))
        session.commit()

    pruned = in_transaction(engine, lambda s: housekeep(s, now=NOW, retention=Retention()))

    assert pruned == {
        "event_ids": 1,
        "finished_reminders": 2,
        "cancelled_questionnaires": 1,
        "channel_claims": 0,
    }
    assert kept(engine, SlackEvent.event_id) == ["Ev-new"]
    assert kept(engine, AssessRun.id) == [recent_cancelled, old_submitted]
    assert kept(engine, AssessAnswer.run_id) == [recent_cancelled, old_submitted]
    assert kept(engine, Reminder.state) == ["pending", "skipped"]


def test_claims_that_lapsed_over_a_day_ago_go_and_the_rest_stay(engine):
    with Session(engine) as session:
        for channel, until in [
            ("C-stale", NOW - DAY - timedelta(minutes=1)),  # goes
            ("C-lapsed-lately", NOW - DAY + timedelta(minutes=1)),
            ("C-held", NOW + timedelta(seconds=30)),
        ]:
            session.add(
                ChannelClaim(team_id="T1", channel_id=channel, claimed_by="A", claimed_until=until)
            )
        session.commit()

    pruned = in_transaction(engine, lambda s: housekeep(s, now=NOW, retention=Retention()))

    assert pruned is not None and pruned["channel_claims"] == 1
    assert kept(engine, ChannelClaim.channel_id) == ["C-held", "C-lapsed-lately"]


def test_retention_is_configurable(engine):
    with Session(engine) as session:
        pid = partnership(session)
        reminder(session, pid, ReminderState.SENT, NOW - timedelta(days=31))
        event(session, "Ev-2h", NOW - timedelta(hours=2))
        session.commit()
    settings = load_settings(
        {
            "PARTNERBOT_RETENTION_DAYS_FINISHED_REMINDERS": "30",
            "PARTNERBOT_RETENTION_HOURS_EVENT_IDS": "1",
        }
    )
    pruned = in_transaction(engine, lambda s: housekeep(s, now=NOW, retention=settings.retention))
    assert pruned == {
        "event_ids": 1,
        "finished_reminders": 1,
        "cancelled_questionnaires": 0,
        "channel_claims": 0,
    }


@pytest.mark.parametrize(
    "variable, value",
    [
        ("PARTNERBOT_RETENTION_DAYS_FINISHED_REMINDERS", "0"),
        ("PARTNERBOT_RETENTION_DAYS_CANCELLED_QUESTIONNAIRES", "a year"),
        ("PARTNERBOT_RETENTION_HOURS_EVENT_IDS", "0"),
    ],
)
def test_a_bad_retention_setting_names_itself(variable, value):
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value})
    assert raised.value.variable == variable
    assert f"{value!r} is not a whole number of" in str(raised.value)


def test_runs_once_a_day_whoever_asks(engine):
    def tick(now):
        return in_transaction(engine, lambda s: housekeep(s, now=now, retention=Retention()))

    assert tick(NOW) is not None
    assert tick(NOW + timedelta(hours=23)) is None
    assert tick(NOW + DAY) is not None


def test_two_replicas_asking_at_once_run_it_once(engine):
    start = threading.Barrier(4)
    results = []

    def replica() -> None:
        start.wait()
        results.append(
            in_transaction(engine, lambda s: housekeep(s, now=NOW, retention=Retention()))
        )

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1


@pytest.mark.process
def test_a_running_bot_forgets_old_event_ids(env, engine, fake_slack, tmp_path):
    with Session(engine) as session:
        event(session, "Ev-last-week", NOW - 7 * DAY)  # NOW is in the past: now - 1 day too
        session.commit()
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        eventually(lambda: not kept(engine, SlackEvent.event_id), what="pruning")
        eventually(lambda: "housekeeping: event_ids=1" in bot.logs(), what="the log line")
    finally:
        assert bot.stop() == 0
    assert "Ev-last-week" not in bot.logs()
