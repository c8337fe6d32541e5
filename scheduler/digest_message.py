"""The weekly digest: a channel's next fortnight, open questionnaires and funds running
low, posted at the day and time set with `/deadline digest`."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.agenda import agenda
from commands.reminder_plans import next_digest
from formatting.money import format_money
from formatting.slack_text import escape, user_mention
from storage import assess, budgets, outbox
from storage.models import Digest, Partnership, Reminder, RunStatus

AHEAD = timedelta(days=14)
LOW = 0.10  # a fund with less than this share left is shown
OPEN_RUNS = (RunStatus.STARTING, RunStatus.OPEN, RunStatus.PAUSED, RunStatus.REVIEW)


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    digest = session.get(Digest, reminder.subject_id)
    if digest is None:
        return None  # turned off
    # Plan the following week now, in the claiming transaction, so the chain of digests
    # never breaks, whatever becomes of this one.
    outbox.add_missing(session, [next_digest(digest, reminder.due_at, tz)])
    partnership = session.get(Partnership, digest.partnership_id)
    assert partnership is not None, "partnership_id is a required foreign key; none is deleted"
    sections = [
        _dates(session, partnership, now, tz),
        _questionnaires(session, partnership),
        _low_funds(session, partnership),
    ]
    return f":newspaper: *Weekly digest: {escape(partnership.name)}*\n" + "\n\n".join(sections)


def _dates(session: Session, partnership: Partnership, now: datetime, tz: ZoneInfo) -> str:
    lines = [f"• {line}" for line in agenda(session, partnership, now, tz, until=now + AHEAD)]
    return "*The next 14 days*\n" + ("\n".join(lines) or "Nothing due.")


def _questionnaires(session: Session, partnership: Partnership) -> str:
    runs = [
        run for run in assess.runs_of(session, partnership=partnership) if run.status in OPEN_RUNS
    ]
    lines = [
        f"• {run.template_name} {run.number}, {user_mention(run.assignee_id)}: "
        f"{len(assess.answers_of(session, run=run))} answered · {run.status}"
        for run in runs
    ]
    return "*Open questionnaires*\n" + ("\n".join(lines) or "None.")


def _low_funds(session: Session, partnership: Partnership) -> str:
    lines = [
        f"• *{escape(f.fund.name)}*: {format_money(f.remaining)} left of {format_money(f.total)}"
        for f in budgets.figures(session, partnership=partnership)
        if f.total > 0 and f.remaining < f.total * LOW
    ]
    return "*Funds under 10% left*\n" + ("\n".join(lines) or "None.")
