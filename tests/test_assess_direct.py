"""Questionnaires answered in a direct message: a confidential answer followed through
every output the bot has, several questionnaires open at once, edits in the direct
conversation. Signed commands and events in; the fake Slack records every call out."""

import itertools
import threading
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from storage.models import AssessAnswer
from tests.fake_slack import eventually
from tests.helpers import (
    BASELINE_ANSWERS,
    CHAIR,
    PULSE,
    Thread,
    calls_carrying,
    open_home,
    readable,
)
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U3MEMBER"
DM = f"D{CHAIR}"
AFTER_DUE = datetime(2026, 12, 13, tzinfo=UTC)  # the baseline here is due 12 December
SECRET = "rarely attends"  # in the answer to question 2, which is in confidence
FILES_AND_REPORTS = (
    "report 1",
    "status",
    "export 1",
    "export 1 docx",
    "compare baseline",
    "compare baseline xlsx",
)


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)
    return lambda command, text, user=OFFICER: slack.command(command, text, user=user)


@pytest.fixture
def chat(officer, slack, fake_slack) -> Thread:
    officer("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    return Thread(slack, fake_slack, None, channel=DM, skip=1)


def test_a_confidential_answer_reaches_only_the_respondent_and_the_officers(
    officer, chat, slack, fake_slack, dispatcher, clock
):
    assert officer("/deadline", "digest monday 9am").public
    for answer in BASELINE_ANSWERS:
        chat.say(answer)
    assert "Submitted" in chat.say("submit")
    replies = {
        (user, text): officer("/assess", text, user=user)
        for user in (OFFICER, CHAIR, MEMBER)
        for text in FILES_AND_REPORTS
    }
    for user in (OFFICER, CHAIR, MEMBER):
        open_home(slack, user)
    assert "meeting pack" in officer("/partnership", "pack").text  # the channel's canvas
    fake_slack.wait_for("conversations.canvases.create")
    clock.at(2026, 11, 30, 9, 0)  # the weekly digest
    dispatcher().run_due()
    fake_slack.drained()

    # Only the respondent's direct conversation carries it in a Web API call...
    assert calls_carrying(fake_slack, SECRET) == {("chat.postMessage", DM)}
    # Every file was posted, and is read here as text: the search above saw inside it.
    files = [readable(call.body["content"]) for call in fake_slack.calls_to("upload")]
    assert len(files) == 3 * 4 and all("We meet quarterly" in text for text in files)
    assert any(c.method == "views.publish" for c in fake_slack.calls)
    # ...and only the officers' and the respondent's own reports, which only they see.
    shown = {key for key, reply in replies.items() if SECRET in reply.everything}
    assert shown == {(OFFICER, "report 1"), (CHAIR, "report 1")}
    assert not any(replies[key].public for key in shown)
    assert ":lock: _answered in confidence_" in replies[(MEMBER, "report 1")].everything


def test_several_open_questionnaires_are_answered_in_their_threads_never_guessed(
    officer, chat, slack, fake_slack, engine
):
    chat.say(BASELINE_ANSWERS[0])
    assert "added the questionnaire `pulse`" in officer("/assess", PULSE).text
    officer("/assess", f"start pulse for <@{CHAIR}|nick>")
    intro = eventually(
        lambda: next(
            (
                c
                for c in fake_slack.calls_to("chat.postMessage")
                if c.body["channel"] == DM and "Partnership pulse" in c.body["text"]
            ),
            None,
        ),
        what="the pulse's introduction",
    )
    pulse = Thread(slack, fake_slack, intro.response["ts"], channel=DM)
    # Its first question is in its own thread, since a plain message would be ambiguous.
    assert eventually(pulse.posts, what="the pulse's first question")[0].startswith(
        "*Question 1 of 1: Health*"
    )
    asked = chat.say("4")
    assert "You have 2 questionnaires open with me" in asked and "nothing was recorded" in asked
    assert "*LSP baseline self-assessment* for *Spelthorne LSP* (questionnaire 1)" in asked
    assert "*Partnership pulse* for *Spelthorne LSP* (questionnaire 2)" in asked
    with Session(engine) as session:
        assert len(session.exec(select(AssessAnswer)).all()) == 1
    assert "*Your answers: Partnership pulse*" in pulse.say("4")
    assert "Submitted" in pulse.say("submit")
    # With one open again, a plain message answers it.
    assert "*Question 3 of 10" in chat.say(BASELINE_ANSWERS[1])


def test_a_reply_in_the_thread_of_a_question_answers_it_there(chat, slack, fake_slack):
    question = next(
        c for c in fake_slack.calls_to("chat.postMessage") if "Question 1 of 10" in c.body["text"]
    )
    under_it = Thread(slack, fake_slack, question.response["ts"], channel=DM)
    assert "*Question 2 of 10" in under_it.say(BASELINE_ANSWERS[0])
    assert "1 of 10 answered" in chat.say("status")  # and plain messages carry on


def test_a_message_with_nothing_open_is_told_so(slack, fake_slack):
    Thread(slack, fake_slack, None, channel=DM).say("hello?")
    (told,) = [c.body for c in fake_slack.calls_to("chat.postMessage")]
    assert told["channel"] == DM and "You have no questionnaire open with me" in told["text"]


@pytest.mark.parametrize("in_thread", [True, False], ids=["in-its-thread", "at-the-top"])
def test_a_message_before_the_start_is_recorded_is_told_so_never_dropped(
    in_thread, officer, slack, fake_slack, engine
):
    """Slack shows the introduction before the bot hears its ts back and records the
    run's direct thread. A reply in that moment (the replicas' acceptance test once sent
    one) found no run and was dropped in silence, its event claimed so that Slack's
    retry was dropped too: an answer lost. It is told, once, that nothing was recorded;
    the first question is then asked and answered as usual."""
    release, held, numbers = threading.Event(), [], itertools.count(1_700_100_000)

    def introduction_held(call):  # stored (so shown), answered only once released
        answer = fake_slack.store_message(call.body, f"{next(numbers)}.000100")
        if call.body["channel"] == DM and not held:
            held.append(answer["ts"])
            release.wait(15)
        return 200, answer

    fake_slack.respond("chat.postMessage", introduction_held)
    officer("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    intro_ts = eventually(lambda: held and held[0], what="the introduction")
    early = Thread(slack, fake_slack, intro_ts if in_thread else None, channel=DM, skip=0)
    reply = {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": CHAIR,
        "text": BASELINE_ANSWERS[0],
        "ts": "1700100500.000200",
    } | ({"thread_ts": intro_ts} if in_thread else {})
    slack.event(reply, event_id="EvEARLY")
    told = eventually(
        lambda: [p for p in early.posts() if "being set up" in p], what="the reply told"
    )
    assert told == [
        "Your questionnaire *LSP baseline self-assessment* (questionnaire 1) is still being "
        "set up, so nothing was recorded. I'll ask its first question here in a moment: "
        "reply to that."
    ]
    release.set()
    slack.event(reply, event_id="EvEARLY", retry=1)  # Slack's retry, after the start
    chat = Thread(slack, fake_slack, None, channel=DM)
    eventually(lambda: any(p.startswith("*Question 1 of 10") for p in chat.posts()), what="Q1")
    fake_slack.drained()
    assert [p for p in early.posts() if "being set up" in p] == told  # the retry: nothing
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer)).all() == []
    assert chat.say(BASELINE_ANSWERS[0]).startswith("*Question 2 of 10")
    with Session(engine) as session:
        answers = session.exec(select(AssessAnswer)).all()
    assert [(a.position, a.value) for a in answers] == [(0, BASELINE_ANSWERS[0])]


def test_a_submitted_questionnaire_is_reopened_and_changed_until_its_due_date(
    officer, chat, slack, fake_slack, settings, engine
):
    for answer in BASELINE_ANSWERS:
        chat.say(answer)
    chat.say("submit")
    refused = officer("/assess", "reopen 1", user=MEMBER)
    assert not refused.public and "Only officers" in refused.text
    assert "There is no questionnaire `7`" in officer("/assess", "reopen 7").text
    reopened = officer("/assess", "reopen 1", user=CHAIR)
    assert reopened.public and "reopened questionnaire *1*" in reopened.text
    eventually(lambda: "is open again" in chat.posts()[-1], what="the note")
    eventually(lambda: "reopened" in parent_updates(fake_slack)[-1], what="the parent")
    assert "*Question 1 of 10" in chat.say("edit 1")
    assert "*1. Operations* — Operations, revised." in chat.say("Operations, revised.")
    assert "Submitted" in chat.say("submit")
    parent = fake_slack.calls_to("chat.postMessage")[0]
    circulated = Thread(slack, fake_slack, parent.response["ts"])
    first, again = eventually(lambda: circulated.posts()[1:] and circulated.posts(), what="two")
    assert "re-submitted questionnaire *1*" in again and "Operations, revised." in again
    assert "We meet quarterly" in first and SECRET not in again
    eventually(lambda: "re-submitted" in parent_updates(fake_slack)[-1], what="the parent")
    late = SlackDriver(create_app(settings, engine, clock=lambda: AFTER_DUE), team="T1")
    refused = late.command("/assess", "reopen 1", user=OFFICER)
    assert not refused.public and "was due Sat 12 Dec 2026, 17:00 GMT" in refused.text


def parent_updates(fake) -> list[str]:
    return [c.body["text"] for c in fake.calls_to("chat.update") if c.body["channel"] == "C1"]
