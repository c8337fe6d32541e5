"""A questionnaire as a conversation, one question at a time: in the assignee's direct
message with the bot (commands.assess.direct), or in a channel's thread when asked.

Every step is a function of (session, message) that updates the run's row and returns
the messages to post, so the database always says where a run is: a restart or a
second replica carries on at the right question. The states are the run's status:

    starting -> open <-> paused        open -> review -> submitted
                 (any state but submitted) -> cancelled by an officer

In the thread the assignee can say `back`, `edit 3`, `skip` (optional questions),
`status`, `pause`/`resume`, `help`, and `submit` once everything is answered.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess import direct
from commands.assess.answers import (
    AnswerError,
    check_answer,
    edit_example,
    how_to_answer,
    question_text,
    shown_answer,
)
from commands.assess.due_date import late_submission
from commands.assess.templates import Template, parse_template
from commands.reply import Post
from formatting.counting import noun_for
from formatting.questionnaire_state import progress_words, state_words
from formatting.slack_text import escape, plain_words, split_first, user_mention, whole_number
from storage import assess as store
from storage import assess_history as history
from storage.models import AssessRun, RunStatus

THREAD_HELP = """Reply in this thread to answer the question I last asked. You can also say:
• `back` — the previous question again   • `edit 3` — change your answer to question 3
• `skip` — leave out an optional question   • `status` — how far you are
• `pause` / `resume` — stop for now and carry on later (nothing is lost)
• `submit` — send it, once every question is answered"""


@dataclass(frozen=True)
class ThreadMessage:
    team_id: str
    channel_id: str
    thread_ts: str
    message_ts: str
    user_id: str
    text: str
    now: datetime
    event_id: str | None = None  # Slack's, for the dedupe of its retries
    # In the bot's direct conversation with the person (thread_ts "" when not in a thread).
    direct: bool = False
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))


def begin(
    session: Session,
    run: AssessRun,
    thread_ts: str,
    now: datetime,
    dm: tuple[str, str] | None = None,
) -> list[Post]:
    """The run's parent (and direct conversation) exist: remember them, ask the first
    question. In a direct conversation it is asked in the run's thread when the person
    has another open there, so that a plain reply cannot be taken for the wrong one."""
    run.thread_ts, run.status, run.last_activity_at = thread_ts, RunStatus.OPEN, now
    if dm is not None:
        run.dm_channel_id, run.dm_ts = dm
    session.add(run)
    first = _ask(run, _template(run), mention=dm is None)
    alone = dm is not None and direct.alone(session, run)
    return [replace(first, thread_ts=direct.where_answered(run, alone)[1])]


def on_reply(session: Session, message: ThreadMessage) -> list[Post]:
    run = _thread_run(session, message) if message.thread_ts else None
    if run is None:
        if not message.direct:
            return []  # a thread that is not a questionnaire's: none of our business
        # A plain message, or a reply in the thread of one of the questions.
        found = direct.plain_message_run(
            session,
            team_id=message.team_id,
            channel_id=message.channel_id,
            user_id=message.user_id,
            thread_ts=message.thread_ts,
        )
        if not isinstance(found, AssessRun):
            return [found] if found else []
        run = found
    before = _progress_of(session, run)
    posts = _reply(session, run, message)
    if run.dm_channel_id:
        posts = [direct.where_written(post, run, message.thread_ts) for post in posts]
        if _progress_of(session, run) != before:
            posts += direct.parent_now(
                session, run, direct.partnership_of(session, run).name, message.tz, message.now
            )
    return posts


def _reply(session: Session, run: AssessRun, message: ThreadMessage) -> list[Post]:
    if run.dm_channel_id and message.channel_id == run.channel_id:
        # The channel's own thread (answers are circulated there): only its respondent,
        # still answering, is told where to answer; the rest is discussion.
        done = run.status in (RunStatus.SUBMITTED, RunStatus.CANCELLED)
        return [] if done or message.user_id != run.assignee_id else [direct.not_here(run)]
    if message.user_id != run.assignee_id:
        return [
            _private(
                run,
                message.user_id,
                f"Only {user_mention(run.assignee_id)} answers this "
                "questionnaire, so your message wasn't recorded.",
            )
        ]
    if run.status in (RunStatus.SUBMITTED, RunStatus.CANCELLED):
        return [
            _say(run, f"This questionnaire is {state_words(run)}; nothing more is recorded here.")
        ]
    run.last_activity_at = message.now
    session.add(run)
    template = _template(run)
    word, rest = split_first(plain_words(message.text))
    command = word.lower() if not rest or word.lower() == "edit" else ""
    if command == "submit" and (
        late := late_submission(
            session, run, direct.partnership_of(session, run), message.now, message.tz
        )
    ):
        return late
    if command in _COMMANDS:
        return _COMMANDS[command](session, run, template, rest)
    if run.status == RunStatus.PAUSED:
        return [_say(run, "This questionnaire is paused. Reply `resume` to carry on.")]
    if run.status == RunStatus.REVIEW:
        return [
            _say(
                run,
                "Every question is answered. Reply `submit` to send it, "
                f"or {edit_example(template)}.",
            )
        ]
    return _answer(session, run, template, message)


def on_edit(session: Session, message: ThreadMessage) -> list[Post]:
    """The assignee edited a message that held an answer: the answer follows."""
    run = (
        store.run_of_direct_message(
            session,
            team_id=message.team_id,
            dm_channel_id=message.channel_id,
            message_ts=message.message_ts,
        )
        if message.direct and not message.thread_ts
        else _thread_run(session, message)
    )
    if run is None or message.user_id != run.assignee_id:
        return []
    answer = store.answer_from_message(session, run=run, message_ts=message.message_ts)
    if answer is None:
        return []
    if run.status in (RunStatus.SUBMITTED, RunStatus.CANCELLED):
        return [
            _say(run, f"This questionnaire is {state_words(run)}, so that edit changes nothing.")
        ]
    question = _template(run).questions[answer.position]
    try:
        value = check_answer(question, message.text)
    except AnswerError as error:
        return [
            _say(
                run,
                f":warning: That edit doesn't fit question {answer.position + 1}: "
                f"{error.problem} {error.fix} Your earlier answer stands.",
            )
        ]
    _record(session, run, answer.position, value, message)
    updated = _say(run, f"Updated your answer to question {answer.position + 1}.")
    return [direct.where_written(updated, run, message.thread_ts)]


def _answer(
    session: Session, run: AssessRun, template: Template, message: ThreadMessage
) -> list[Post]:
    question = template.questions[run.current]
    try:
        value = check_answer(question, message.text)
    except AnswerError as error:
        return [_say(run, f":warning: {error.problem}\n{error.fix}")]
    _record(session, run, run.current, value, message)
    return _advance(session, run, template)


def _skip(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    question = template.questions[run.current]
    if not question.optional:
        return [
            _say(
                run, f"Question {run.current + 1} isn't optional. {escape(how_to_answer(question))}"
            )
        ]
    store.save_answer(
        session,
        run=run,
        position=run.current,
        value=None,
        message_ts=None,
        user_id=run.assignee_id,
        now=run.last_activity_at,
    )
    return _advance(session, run, template)


def _advance(session: Session, run: AssessRun, template: Template) -> list[Post]:
    """On to the next unanswered question, or to the summary when there is none."""
    answered = store.answers_of(session, run=run)
    count = len(template.questions)
    order = [*range(run.current + 1, count), *range(run.current + 1)]
    following = next((i for i in order if i not in answered), None)
    if following is None:
        run.status = RunStatus.REVIEW
        session.add(run)
        return [_summary(run, template, answered)]
    run.current, run.status = following, RunStatus.OPEN
    session.add(run)
    return [_ask(run, template)]


def _back(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    last = len(template.questions) - 1
    run.current = last if run.status == RunStatus.REVIEW else max(run.current - 1, 0)
    run.status = RunStatus.OPEN
    session.add(run)
    return [_ask(run, template)]


def _edit(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    count = len(template.questions)
    number = whole_number(rest)
    if number is None or not 1 <= number <= count:
        return [
            _say(
                run,
                f"Say which question to change, from 1 to {count}: "
                f"for example `edit {min(3, count)}`.",
            )
        ]
    run.current, run.status = number - 1, RunStatus.OPEN
    session.add(run)
    asked = _ask(run, template)
    # What is being changed, so the new answer can build on it. Only the respondent
    # reads this conversation (a direct message, or a thread with nothing confidential).
    if (given := store.answers_of(session, run=run).get(run.current)) is not None:
        question = template.questions[run.current]
        now = shown_answer(question, given.value, confidential_visible=True, limit=None)
        asked = replace(asked, text=f"{asked.text}\n_Your answer now:_ {now}")
    return [asked]


def _pause(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    run.status = RunStatus.PAUSED
    session.add(run)
    return [
        _say(
            run,
            f"Paused at question {run.current + 1}. Nothing is lost: "
            "reply `resume` when you're ready.",
        )
    ]


def _resume(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    if run.status == RunStatus.PAUSED:
        run.status = RunStatus.OPEN
        session.add(run)
    return [_ask(run, template)]


_SUBMITTED = ":white_check_mark: Submitted. Thank you!"
_SUBMITTED_AGAIN = (
    ":white_check_mark: Submitted again. Thank you! This version replaces what you "
    "submitted before, which the history keeps."
)


def _submit(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    answered = store.answers_of(session, run=run)
    missing = [i + 1 for i in range(len(template.questions)) if i not in answered]
    if missing:  # "question 10 still needs an answer", "questions 9, 10 still need answers"
        which = f"{noun_for(len(missing), 'question')} {', '.join(map(str, missing))}"
        need = "needs an answer" if len(missing) == 1 else "need answers"
        return [_say(run, f"Not yet: {which} still {need}.")]
    run.status, run.submitted_at = RunStatus.SUBMITTED, run.last_activity_at
    session.add(run)
    version = history.record_submission(session, run=run, now=run.last_activity_at)
    thanks = _say(run, _SUBMITTED if version == 1 else _SUBMITTED_AGAIN)
    partnership = direct.partnership_of(session, run)
    if run.dm_channel_id:  # circulated as the Surrey group did: all but the confidential
        return [thanks, direct.circulated(run, template, partnership.name, answered)]
    return [
        thanks,
        Post(
            text=f":white_check_mark: {user_mention(run.assignee_id)} submitted questionnaire "
            f"*{run.number}* ({escape(template.title)}) for *{escape(partnership.name)}*. "
            f"`/assess report {run.number}` shows the answers.",
            channel_id=run.channel_id,
        ),
    ]


def _status(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    answered, questions = len(store.answers_of(session, run=run)), len(template.questions)
    where = f"on question {run.current + 1}" if answered < questions else "say `submit` to send"
    return [
        _say(run, f"{escape(template.title)}: {progress_words(run, answered, questions)}; {where}.")
    ]


def _help(session: Session, run: AssessRun, template: Template, rest: str) -> list[Post]:
    if run.dm_channel_id:  # the same words, but where a direct message is answered
        rest = THREAD_HELP.split("\n", 1)[1]
        return [_say(run, f"{direct.DIRECT_HELP} You can also say:\n{rest}")]
    return [_say(run, THREAD_HELP)]


_COMMANDS = {
    "back": _back,
    "edit": _edit,
    "skip": _skip,
    "pause": _pause,
    "resume": _resume,
    "submit": _submit,
    "status": _status,
    "help": _help,
}


def _ask(run: AssessRun, template: Template, *, mention: bool = False) -> Post:
    return _say(run, question_text(template, run.current, run.assignee_id if mention else None))


def _summary(run: AssessRun, template: Template, answered: dict) -> Post:
    lines = [f"*Your answers: {escape(template.title)}*"]
    private = run.dm_channel_id is not None  # only the respondent reads a direct message
    for position, question in enumerate(template.questions):
        shown = shown_answer(question, answered[position].value, confidential_visible=private)
        lines.append(f"*{position + 1}. {escape(question.title)}* — {shown}")
    lines.append(f"Reply `submit` to send it, or {edit_example(template)}.")
    return _say(run, "\n".join(lines))


def _thread_run(session: Session, message: ThreadMessage) -> AssessRun | None:
    """The run whose thread this is, locked: two replies at once take their turns."""
    return store.run_in_thread(
        session,
        team_id=message.team_id,
        channel_id=message.channel_id,
        thread_ts=message.thread_ts,
        for_update=True,
    )


def _record(
    session: Session, run: AssessRun, position: int, value: str, message: ThreadMessage
) -> None:
    store.save_answer(
        session,
        run=run,
        position=position,
        value=value,
        message_ts=message.message_ts,  # so an edit of this message edits the answer
        user_id=message.user_id,
        now=message.now,
    )


def _template(run: AssessRun) -> Template:
    return parse_template(run.source)


def _say(run: AssessRun, text: str) -> Post:
    channel, thread = direct.where(run)
    return Post(text=text, channel_id=channel, thread_ts=thread)


def _progress_of(session: Session, run: AssessRun) -> tuple[str, int]:
    return run.status, len(store.answers_of(session, run=run))


def _private(run: AssessRun, user_id: str, text: str) -> Post:
    return Post(text=text, channel_id=run.channel_id, thread_ts=run.thread_ts, private_to=user_id)
