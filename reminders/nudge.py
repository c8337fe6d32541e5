"""Nudges for questionnaires waiting on their assignee, posted where they answer it.

Nudges are found rather than planned: a run's idle time changes with every answer, so
each dispatch looks for runs idle for IDLE or due within DUE_SOON and adds their nudge
to the outbox. The outbox's unique key makes that once per idle stretch and per due date.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess.direct import where_answered
from formatting.questionnaire_state import missed_due_date
from formatting.slack_text import user_mention
from formatting.timefmt import when_and_left
from reminders.run_progress import answered_of
from storage import assess, outbox
from storage.models import AssessRun, Reminder, RunStatus, saved_id

IDLE = timedelta(days=3)
DUE_SOON = timedelta(days=2)


def sweep(session: Session, now: datetime) -> None:
    runs = assess.runs_waiting(session, idle_since=now - IDLE, due_by=now + DUE_SOON, now=now)
    alone = assess.alone_in_direct(session, runs=runs)
    place = {saved_id(run): where_answered(run, saved_id(run) in alone) for run in runs}
    outbox.add_missing(
        session, [nudge for run in runs for nudge in _nudges(run, now, place[saved_id(run)])]
    )


def _nudges(run: AssessRun, now: datetime, place: tuple[str, str | None]) -> list[Reminder]:
    found = []
    idle_since = run.last_activity_at + IDLE
    if idle_since <= now:
        found.append(_nudge(run, "idle", idle_since, idle_since + IDLE, place))
    if run.due_at and run.due_at - DUE_SOON <= now < run.due_at:
        found.append(_nudge(run, "due-soon", run.due_at - DUE_SOON, run.due_at, place))
    return found


def _nudge(
    run: AssessRun, rung: str, due: datetime, expires: datetime, place: tuple[str, str | None]
) -> Reminder:
    # Where its respondent answers (commands.assess.direct.where_answered): the top of
    # their direct message when it is the only questionnaire they have open there, else
    # its own thread there; a questionnaire asked in a channel's thread, that thread.
    return Reminder(
        team_id=run.team_id,
        partnership_id=run.partnership_id,
        subject="run",
        subject_id=saved_id(run),
        rung=rung,
        due_at=due,
        expires_at=expires,
        channel_id=place[0],
        thread_ts=place[1],
    )


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    run = session.get(AssessRun, reminder.subject_id)
    if run is None or run.status not in assess.WAITING:
        return None
    if missed_due_date(run, now):
        return None  # reopened past its due date: `submit` is refused (commands.assess.due_date)
    if reminder.rung == "idle" and run.last_activity_at + IDLE != reminder.due_at:
        return None  # answered since the nudge was found
    answered = len(assess.answers_of(session, run=run))
    to_do = (
        "Every question is answered: reply `submit` to send it."
        if run.status == RunStatus.REVIEW
        else f"{answered_of(run, answered)}. Reply here to carry on, or `pause`."
    )
    who = user_mention(run.assignee_id)
    if reminder.rung == "idle":
        return f":wave: {who}, a gentle nudge: no answer here for 3 days. {to_do}"
    # The other rung, due-soon, is found only for a run with a due date, set when it starts.
    assert run.due_at is not None
    return (
        f":hourglass_flowing_sand: {who}, this is due {when_and_left(run.due_at, now, tz)}. {to_do}"
    )
