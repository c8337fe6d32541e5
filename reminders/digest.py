"""The weekly digest: a channel's next fortnight, open questionnaires and funds running
low, posted at the day and time set with `/deadline digest` and at once with
`/deadline digest now`: one text for both."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from formatting.counting import counted
from formatting.fin_year import year_of
from formatting.money import format_money
from formatting.questionnaire_state import progress_words
from formatting.slack_limits import MESSAGE_TEXT, more_note, truncate
from formatting.slack_text import escape, user_mention
from reminders.agenda import Item, agenda_items
from reminders.run_progress import questions_in
from storage import budgets, outbox
from storage.assess_progress import first_runs, run_counts
from storage.models import Digest, Partnership, Reminder, RunStatus, saved_id

AHEAD = timedelta(days=14)
LOW = 0.10  # a fund with less than this share left is shown
OPEN_RUNS = (RunStatus.STARTING, RunStatus.OPEN, RunStatus.PAUSED, RunStatus.REVIEW)
# More dates than this are summarised by day: a digest is read at a glance, and Slack
# refuses a message over 40,000 characters (300 dates in full came to 65,501).
DETAILED_DATES = 40
DETAILED_RUNS = 20  # open questionnaires listed; more are counted
SEE_ALL = "`/deadline list all` and `/event list all` show every one."
DIGEST_FRESH = timedelta(hours=6)  # a digest posted later than this is stale: skip to the next


def next_digest(digest: Digest, after: datetime, tz: ZoneInfo) -> Reminder:
    """The weekly digest's next post strictly after `after`, at its local day and time."""
    hour, minute = map(int, digest.at_time.split(":"))
    day = after.astimezone(tz).date()
    while True:
        moment = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
        if day.weekday() == digest.weekday and moment > after:
            break
        day += timedelta(days=1)
    return Reminder(
        team_id=digest.team_id,
        partnership_id=digest.partnership_id,
        subject="digest",
        subject_id=saved_id(digest),
        rung="weekly",
        due_at=moment,
        expires_at=moment + DIGEST_FRESH,
        channel_id=digest.channel_id,
    )


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    digest = session.get(Digest, reminder.subject_id)
    if digest is None:
        return None  # turned off
    # Plan the following week now, in the claiming transaction, so the chain of digests
    # never breaks, whatever becomes of this one.
    outbox.add_missing(session, [next_digest(digest, reminder.due_at, tz)])
    partnership = session.get(Partnership, digest.partnership_id)
    assert partnership is not None, "partnership_id is a required foreign key; none is deleted"
    return digest_text(session, partnership, now, tz)


def digest_text(session: Session, partnership: Partnership, now: datetime, tz: ZoneInfo) -> str:
    """The digest as posted, on schedule or with `/deadline digest now`."""
    sections = [
        _dates(agenda_items(session, partnership, now, tz, until=now + AHEAD), tz),
        _questionnaires(session, partnership, now),
        _low_funds(session, partnership, year_of(now)),
    ]
    text = f":newspaper: *Weekly digest: {escape(partnership.name)}*\n" + "\n\n".join(sections)
    # Only the questionnaires and funds can still be long (hundreds of them): the last
    # resort shortens at a line and says where the rest is.
    return truncate(text, MESSAGE_TEXT, "`/assess status` and `/budget` show the rest.")


def _dates(items: list[Item], tz: ZoneInfo) -> str:
    heading = "*The next 14 days*\n"
    if not items:
        return heading + "Nothing due."
    if len(items) <= DETAILED_DATES:
        return heading + "\n".join(f"• {item.line}" for item in items)
    return heading + "\n".join(_by_day(items, tz)) + f"\n{len(items)} in all: {SEE_ALL}"


def _by_day(items: list[Item], tz: ZoneInfo) -> list[str]:
    """One line a day: how many of each kind, in words (`3 deadlines, 1 event`)."""
    days: dict[str, Counter[str]] = {}
    for item in items:
        day = item.at.astimezone(tz).strftime("%a %-d %b")
        days.setdefault(day, Counter())[item.kind] += 1
    return [
        f"• *{day}*: " + ", ".join(counted(n, kind) for kind, n in kinds.items())
        for day, kinds in days.items()
    ]


def _questionnaires(session: Session, partnership: Partnership, now: datetime) -> str:
    """The first DETAILED_RUNS open ones, counted in the database, and how many more."""
    runs = first_runs(session, partnership=partnership, limit=DETAILED_RUNS, statuses=OPEN_RUNS)
    lines = [
        f"• *{escape(run.template_name)}* {run.number}, {user_mention(run.assignee_id)}: "
        f"{progress_words(run, answered, questions_in(run), now)}"
        for run, answered in runs
    ]
    total = run_counts(session, partnership=partnership, statuses=OPEN_RUNS)
    if total > len(runs):
        lines.append(more_note(total - len(runs), "open questionnaire", "`/assess status`"))
    return "*Open questionnaires*\n" + ("\n".join(lines) or "None.")


def _low_funds(session: Session, partnership: Partnership, year: int) -> str:
    """Funds nearly spent in this financial year, as `/budget` counts them."""
    lines = [
        f"• *{escape(f.fund.name)}*: {format_money(f.remaining)} left of {format_money(f.total)}"
        for f in budgets.figures(session, partnership=partnership, year=year)
        if f.total > 0 and f.remaining < f.total * LOW
    ]
    return "*Funds under 10% left*\n" + ("\n".join(lines) or "None.")
