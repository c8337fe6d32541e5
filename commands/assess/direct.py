"""A questionnaire asked in the assignee's direct conversation with the bot.

The channel sees one parent message with the progress, updated in place, and on
`submit` the answers that are not in confidence, in the parent's thread. Confidential
answers stay between the respondent and the bot; officers read them with
`/assess report`, ephemeral. Nothing here puts a confidential answer in a channel.
"""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess.answers import shown_answer
from commands.assess.templates import Template, parse_template, questions_count
from commands.reply import Post
from formatting.questionnaire_state import state_words
from formatting.slack_text import escape, user_mention
from formatting.timefmt import uk_datetime
from storage import assess as store
from storage.models import AssessRun, Partnership

DIRECT_HELP = (
    "Reply here to answer the question I last asked. If you have more than one "
    "questionnaire open with me, reply in the thread of the one you're answering."
)


def where(run: AssessRun) -> tuple[str, str | None]:
    """The conversation the run's questions are asked in: (channel, thread)."""
    if run.dm_channel_id:
        return run.dm_channel_id, run.dm_ts
    return run.channel_id, run.thread_ts


def where_answered(run: AssessRun, alone: bool) -> tuple[str, str | None]:
    """Where its respondent answers, and so where to tell them something: in a direct
    message, at the top when it is the only questionnaire they have open there (`alone`:
    plain messages answer it), otherwise in its own thread."""
    channel, thread = where(run)
    return channel, None if run.dm_channel_id and alone else thread


def parent_text(
    run: AssessRun, template: Template, partnership: str, answered: int, tz: ZoneInfo, now: datetime
) -> str:
    """The channel's parent message: who answers, how far, by when; never an answer."""
    due = f" · due {uk_datetime(run.due_at, tz)}" if run.due_at else ""
    return (
        f":clipboard: *{escape(template.title)}* for *{escape(partnership)}* — "
        f"questionnaire *{run.number}*\n"
        f"Answered by {user_mention(run.assignee_id)} in a direct message with me · "
        f"answered {answered} of {len(template.questions)} · {state_words(run, now)}"
        f"{due}\n"
        f"Answers are circulated here when submitted, except those given in confidence."
    )


def intro_text(run: AssessRun, template: Template, partnership: str) -> str:
    """The run's first message in the direct conversation; its thread is the run's own."""
    private = (
        " Answers marked :lock: are in confidence: only officers and you will see them."
        if any(q.confidential for q in template.questions)
        else ""
    )
    return (
        f":clipboard: *{escape(template.title)}* for *{escape(partnership)}* "
        f"(questionnaire *{run.number}*), {questions_count(template)}. "
        f"Your answers stay here until you `submit`; then those not in confidence are "
        f"posted to <#{run.channel_id}>.{private}\n{DIRECT_HELP} Say `help` for more."
    )


def progress(
    run: AssessRun, template: Template, partnership: str, answered: int, tz: ZoneInfo, now: datetime
) -> Post:
    """The parent, updated in place (chat.update)."""
    return Post(
        text=parent_text(run, template, partnership, answered, tz, now),
        channel_id=run.channel_id,
        update_ts=run.thread_ts,
    )


def parent_now(
    session: Session, run: AssessRun, partnership: str, tz: ZoneInfo, now: datetime
) -> list[Post]:
    """The channel's parent of a run asked in a direct message, brought up to date; none
    for a run asked in the channel's thread."""
    if not (run.dm_channel_id and run.thread_ts):
        return []
    answered = len(store.answers_of(session, run=run))
    return [progress(run, parse_template(run.source), partnership, answered, tz, now)]


def circulated(run: AssessRun, template: Template, partnership: str, answers: dict) -> Post:
    """On submit, to the parent's thread: each answer, or "answered in confidence"."""
    lines = [
        f":white_check_mark: {user_mention(run.assignee_id)} "
        f"{'re-submitted' if run.reopened_at else 'submitted'} questionnaire "
        f"*{run.number}* ({escape(template.title)}) for *{escape(partnership)}*:"
    ]
    for position, question in enumerate(template.questions):
        value = answers[position].value if position in answers else None
        shown = shown_answer(question, value, confidential_visible=False)
        lines.append(f"*{position + 1}. {escape(question.title)}* — {shown}")
    # Anyone in the channel may read the circulated answers whole (they are cut short
    # here); only officers and the respondent read the confidential ones.
    secret = any(q.confidential for q in template.questions)
    lines.append(
        f"Every answer in full: `/assess report {run.number}`"
        + (" (those in confidence only for officers)." if secret else ".")
    )
    return Post(text="\n".join(lines), channel_id=run.channel_id, thread_ts=run.thread_ts)


def which_one(runs: list[tuple[AssessRun, str, str]]) -> str:
    """A plain message when several runs are open: never guess which it answers. Each
    is named with its partnership: a chair of two partnerships answering both their
    baselines had two identical lines, "LSP baseline self-assessment (questionnaire 1)"."""
    listed = "\n".join(
        f"• *{escape(title)}* for *{escape(partnership)}* (questionnaire {run.number})"
        for run, title, partnership in runs
    )
    return (
        f"You have {len(runs)} questionnaires open with me, so I can't tell which that "
        f"answers, and nothing was recorded. Reply in the thread of the one you're "
        f"answering:\n{listed}"
    )


NOTHING_OPEN = (
    "You have no questionnaire open with me. An officer starts one with "
    "`/assess start baseline for @you` in the partnership's channel."
)


def alone(session: Session, run: AssessRun) -> bool:
    """The only run its assignee has open in the direct conversation."""
    assert run.dm_channel_id is not None
    others = store.runs_in_direct(
        session, team_id=run.team_id, dm_channel_id=run.dm_channel_id, user_id=run.assignee_id
    )
    return [r.id for r in others] == [run.id]


def plain_message_run(
    session: Session, *, team_id: str, channel_id: str, user_id: str, thread_ts: str
) -> AssessRun | Post | None:
    """The run a message in the direct conversation answers when it is not in a run's
    thread: the person's one open run there. With several, or one still starting, what
    to tell them instead (never a guess); with none, a hint, or nothing for a reply in
    some other thread."""
    runs = store.runs_in_direct(
        session, team_id=team_id, dm_channel_id=channel_id, user_id=user_id, for_update=True
    )
    starting = store.runs_starting_in_direct(session, team_id=team_id, user_id=user_id)
    if starting:
        text = being_set_up(starting[0], others=bool(runs))
    elif len(runs) == 1:
        return runs[0]
    elif not runs and thread_ts:
        return None
    else:
        text = (
            which_one(
                [
                    (run, parse_template(run.source).title, partnership_of(session, run).name)
                    for run in runs
                ]
            )
            if runs
            else NOTHING_OPEN
        )
    return Post(text=text, channel_id=channel_id, thread_ts=thread_ts or None)


def being_set_up(run: AssessRun, *, others: bool) -> str:
    """A message while a run's introduction may be in the conversation but its start is
    not yet recorded: it may be meant for that run, which asks nothing yet, so it is not
    taken for another one's answer, nor passed over in silence."""
    title = parse_template(run.source).title
    meanwhile = " To answer another questionnaire meanwhile, reply in its thread." if others else ""
    return (
        f"Your questionnaire *{escape(title)}* (questionnaire {run.number}) is still being "
        f"set up, so nothing was recorded. I'll ask its first question here in a moment: "
        f"reply to that.{meanwhile}"
    )


def where_written(post: Post, run: AssessRun, thread_ts: str) -> Post:
    """A message in the direct conversation is answered where it was written: at the top
    for a plain one, in the thread of a question for a reply there."""
    if post.channel_id == run.dm_channel_id and thread_ts != run.dm_ts:
        return replace(post, thread_ts=thread_ts or None)
    return post


def partnership_of(session: Session, run: AssessRun) -> Partnership:
    partnership = session.get(Partnership, run.partnership_id)
    assert partnership is not None, "partnership_id is a required foreign key; none is deleted"
    return partnership


def not_here(run: AssessRun) -> Post:
    """To its respondent, replying in the channel's thread of a questionnaire asked in a
    direct message: that reply was taken for an answer, and the next question sent to a
    thread the direct conversation does not have. The channel reads this thread, so
    nothing typed here is recorded; they are told where to answer."""
    return Post(
        text=f"Questionnaire *{run.number}* is answered in your direct message with me, not "
        "here: everyone in this channel can read this thread, so your message wasn't "
        "recorded. Reply to my last question there; if what you wrote here was in "
        "confidence, delete it.",
        channel_id=run.channel_id,
        thread_ts=run.thread_ts,
        private_to=run.assignee_id,
    )
