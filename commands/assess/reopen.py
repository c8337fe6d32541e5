"""`/assess reopen 2`: a submitted questionnaire opened again, until its due date, for
its answers to be changed and submitted again."""

from sqlmodel import Session

from commands.access import officers_only
from commands.assess import direct
from commands.assess.answers import edit_example
from commands.assess.assess_actions import numbered_run
from commands.assess.due_date import refuse_late_reopening
from commands.assess.templates import parse_template
from commands.context import Context
from commands.family import Refusal
from commands.reply import Post, Reply
from formatting.questionnaire_state import state_words
from formatting.slack_text import user_mention
from storage.models import AssessRun, Partnership, RunStatus


def reopen(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    run = numbered_run(session, partnership, text, action="reopen")
    if ctx.user_id != run.assignee_id and (
        refusal := officers_only(session, ctx, partnership, "reopen someone else's answers")
    ):
        return refusal
    if run.status != RunStatus.SUBMITTED:
        raise Refusal(
            f"Questionnaire {run.number} isn't submitted ({state_words(run)}): "
            "there is nothing to reopen.",
            "`/assess status` shows where each stands.",
        )
    refuse_late_reopening(run, ctx.now, ctx.tz)
    run.status, run.reopened_at, run.last_activity_at = RunStatus.REVIEW, ctx.now, ctx.now
    session.add(run)
    return Reply(
        text=f":arrows_counterclockwise: {user_mention(ctx.user_id)} reopened questionnaire "
        f"*{run.number}*: {user_mention(run.assignee_id)} can change answers until it is "
        "submitted again.",
        public=True,
        posts=tuple(_told(session, ctx, run, partnership)),
    )


def _told(session: Session, ctx: Context, run: AssessRun, partnership: Partnership) -> list[Post]:
    """The respondent, where they answer; and the channel's parent, updated in place."""
    channel, thread = direct.where_answered(
        run, bool(run.dm_channel_id) and direct.alone(session, run)
    )
    edit = edit_example(parse_template(run.source))
    told = Post(
        text=f"Questionnaire *{run.number}* is open again. Say {edit}, then `submit` to send "
        f"it again; `/assess cancel {run.number}` keeps it as it was submitted.",
        channel_id=channel,
        thread_ts=thread,
    )
    return [told, *direct.parent_now(session, run, partnership.name, ctx.tz, ctx.now)]
