"""A submitted questionnaire's due date: until then it can be reopened and submitted
again; after it, what was last submitted stands. Nothing is lost on either side of it:
changes made while reopened are kept (the respondent and officers read them with
`/assess report`), and only a new submission could replace what was circulated.

A questionnaire's due date cannot be moved, so the way on after it is the next round,
which an officer starts and whose report compares with this one."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.access import officer_mentions
from commands.assess import direct
from commands.family import Refusal
from commands.reply import Post
from formatting.questionnaire_state import missed_due_date
from formatting.slack_text import escape
from formatting.timefmt import uk_datetime
from storage.models import AssessRun, Partnership


def refuse_late_reopening(run: AssessRun, now: datetime, tz: ZoneInfo) -> None:
    """`/assess reopen` after the due date: what stands, and what to do instead."""
    if run.due_at is None or now < run.due_at:
        return
    submitted = f" {uk_datetime(run.submitted_at, tz)}" if run.submitted_at else ""
    raise Refusal(
        f"Questionnaire {run.number} was due {uk_datetime(run.due_at, tz)}, so it can't be "
        f"reopened: its answers stand as submitted{submitted}, and a questionnaire's due date "
        "can't be moved.",
        f"`/assess report {run.number}` shows them. For new answers, an officer starts the "
        f"next round, which is compared with this one: {next_round(run)}",
    )


def late_submission(
    session: Session, run: AssessRun, partnership: Partnership, now: datetime, tz: ZoneInfo
) -> list[Post] | None:
    """`submit` of a reopened questionnaire after its due date: refused, and nothing
    changes but the channel's parent, which now says the earlier submission stands."""
    if not missed_due_date(run, now):
        return None
    assert run.due_at is not None and run.submitted_at is not None  # reopened: submitted once
    channel, thread = direct.where(run)
    told = Post(
        text=f":warning: Questionnaire *{run.number}* was due {uk_datetime(run.due_at, tz)}, "
        "so it can't be submitted again: the version you submitted "
        f"{uk_datetime(run.submitted_at, tz)} stands, and that is what <#{run.channel_id}> "
        "and `/assess compare` show.\n"
        f"Your changes are kept here, not lost: you and the officers can read them with "
        f"`/assess report {run.number}`. A questionnaire's due date can't be moved; if your "
        f"changes should count, ask an officer ({officer_mentions(session, partnership)}) "
        f"to start the next round, which is compared with this one: {next_round(run)}",
        channel_id=channel,
        thread_ts=thread,
    )
    return [told, *direct.parent_now(session, run, partnership.name, tz, now)]


def next_round(run: AssessRun) -> str:
    """What an officer types for the next round of the same questionnaire."""
    return f"`/assess start {escape(run.template_name)} for @name due …`"
