"""`/assess cancel 2`: stop a questionnaire being answered, or, for one reopened after it
was submitted, withdraw the reopening: it stands as last submitted again, since a
submission circulated to the channel is never thrown away by a cancel."""

from sqlmodel import Session

from commands.access import officers_only
from commands.assess import direct
from commands.assess.assess_actions import numbered_run
from commands.context import Context
from commands.reply import Post, Reply, inform
from formatting.questionnaire_state import state_words
from formatting.slack_text import user_mention
from formatting.timefmt import uk_datetime
from storage import assess as store
from storage import assess_history as history
from storage.assess_history import Submission
from storage.models import AssessRun, Partnership, RunStatus


def cancel(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    run = numbered_run(session, partnership, text, action="cancel")
    submissions = history.submissions_of(session, run=run)
    reopened = run.status in store.ANSWERING and bool(submissions)
    # The respondent may withdraw their own reopening; stopping a questionnaire is for officers.
    if not (reopened and ctx.user_id == run.assignee_id) and (
        refusal := officers_only(session, ctx, partnership, "cancel questionnaires")
    ):
        return refusal
    if run.status in (RunStatus.SUBMITTED, RunStatus.CANCELLED):
        return inform(f"Questionnaire {run.number} is already {state_words(run)}.")
    if reopened:
        return _withdraw_reopening(session, ctx, partnership, run, submissions)
    run.status = RunStatus.CANCELLED
    run.last_activity_at = ctx.now  # housekeeping deletes it a year after this
    session.add(run)
    note = f":no_entry_sign: {user_mention(ctx.user_id)} cancelled questionnaire *{run.number}*."
    places: list[tuple[str, str | None]] = (
        [(run.channel_id, run.thread_ts)] if run.thread_ts else []
    )
    if run.dm_channel_id:  # the respondent is told where they were answering
        places.append((run.dm_channel_id, None))
    posts = [
        Post(text=note + " Nothing more is recorded.", channel_id=where, thread_ts=thread)
        for where, thread in places
    ]
    return Reply(
        text=note + " Its answers so far are kept.",
        public=True,
        posts=(*posts, *direct.parent_now(session, run, partnership.name, ctx.tz, ctx.now)),
    )


def _withdraw_reopening(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    run: AssessRun,
    submissions: list[Submission],
) -> Reply:
    last = submissions[-1]
    history.restore_submission(session, run=run, submission=last)
    run.status, run.submitted_at, run.last_activity_at = (
        RunStatus.SUBMITTED,
        last.submitted_at,
        ctx.now,
    )
    if len(submissions) == 1:
        run.reopened_at = None  # never re-submitted: the parent says "submitted" again
    session.add(run)
    when = uk_datetime(last.submitted_at, ctx.tz)
    note = (
        f":leftwards_arrow_with_hook: {user_mention(ctx.user_id)} cancelled the changes to "
        f"questionnaire *{run.number}*: it stands as submitted {when}."
    )
    channel, thread = direct.where(run)
    told = Post(
        text=f"{note} Changes made since it was reopened are not kept; "
        f"`/assess reopen {run.number}` opens it again until its due date.",
        channel_id=channel,
        thread_ts=None if run.dm_channel_id else thread,
    )
    return Reply(
        text=note,
        public=True,
        posts=(told, *direct.parent_now(session, run, partnership.name, ctx.tz, ctx.now)),
    )
