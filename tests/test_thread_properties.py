"""Any sequence of questionnaire thread replies and edits, from the assignee or anyone
else: no exception escapes, every post fits Slack's limits, a reply from someone else
changes nothing, and a refused reply or edit records nothing."""

from dataclasses import replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from commands.assess.threads import thread_edited, thread_reply
from commands.reply import MAX_TEXT
from storage.models import AssessAnswer, AssessRun
from tests.helpers import BASELINE_ANSWERS, CHAIR, SLACKISH, started_run

STRANGER = "U9STRANGER"

WORDS = st.sampled_from(
    ["back", "skip", "edit 3", "edit 99", "edit", "pause", "resume", "submit", "status", "help"]
)
TEXTS = WORDS | st.sampled_from(BASELINE_ANSWERS) | SLACKISH
STEP = st.tuples(
    st.sampled_from(["reply", "reply", "reply", "edit"]),
    st.sampled_from([CHAIR, CHAIR, STRANGER]),
    TEXTS,
)


def recorded(engine, thread_ts: str) -> tuple:
    """The run's state and answers, to compare before and after a message."""
    with Session(engine) as session:
        run = session.exec(select(AssessRun).where(AssessRun.thread_ts == thread_ts)).one()
        answers = session.exec(
            select(AssessAnswer.position, AssessAnswer.value, AssessAnswer.message_ts)
            .where(AssessAnswer.run_id == run.id)
            .order_by(AssessAnswer.position)
        ).all()
        return (run.status, run.current, run.submitted_at, tuple(answers))


def moved_on(post_text: str) -> bool:
    """The bot asked the next question or showed the summary: the reply was taken."""
    return post_text.startswith(
        ("*Question", "*Your answers", "Updated your answer", ":white_check_mark: Submitted")
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, min_size=1, max_size=10))
@example(steps=[("reply", "U2CHAIR", "\x00")])  # PostgreSQL refuses NUL in text (found by CI)
def test_any_thread_conversation_keeps_slacks_limits_and_records_only_what_was_taken(engine, steps):
    template = started_run(engine)
    sent = []  # the message ts of each reply so far, for edits to aim at
    for n, (kind, user, text) in enumerate(steps):
        before = recorded(engine, template.thread_ts)
        if kind == "edit" and sent:
            message = replace(template, message_ts=sent[n % len(sent)], user_id=user, text=text)
            posts = thread_edited(engine, message)
        else:
            message = replace(
                template, message_ts=f"{template.thread_ts[:10]}.{n:06d}", user_id=user, text=text
            )
            sent.append(message.message_ts)
            posts = thread_reply(engine, message)
        after = recorded(engine, template.thread_ts)
        for post in posts:
            assert post.text and len(post.text) <= MAX_TEXT
            assert "Something went wrong" not in post.text, "an exception escaped"
            assert post.thread_ts == template.thread_ts or post.thread_ts is None
        if user == STRANGER:
            assert after == before and all(p.private_to == STRANGER for p in posts)
        elif before[3] != after[3]:
            assert any(moved_on(p.text) for p in posts), f"{text!r} was recorded but refused"
