"""Questionnaires in direct messages (and, without confidential questions, in threads):
signed slash commands and signed message events into the real app; the fake Slack
records what the bot posted, and where."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from storage.models import AssessAnswer, AssessRun
from tests.fake_slack import eventually
from tests.helpers import BASELINE_ANSWERS, CHAIR, NOW, PULSE, Thread
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U3MEMBER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)
    return lambda text, user=OFFICER, channel="C1": slack.command(
        "/assess", text, user=user, channel=channel
    )


DM = f"D{CHAIR}"  # what the fake Slack's conversations.open answers for the chair


@pytest.fixture
def thread(officer, slack, fake_slack) -> Thread:
    """The baseline, asked in the chair's direct conversation with the bot."""
    reply = officer(f"start baseline for <@{CHAIR}|nick> due 12 November")
    assert "Starting questionnaire *1*" in reply.text, reply.text
    assert "in a direct message with me" in reply.text
    parent, intro, first = fake_slack.wait_for("chat.postMessage", count=3)
    assert parent.body["channel"] == "C1" and "thread_ts" not in parent.body
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.body["users"] == CHAIR
    assert intro.body["channel"] == first.body["channel"] == DM
    assert "thread_ts" not in first.body  # the chair's only questionnaire: plain replies
    return Thread(slack, fake_slack, None, channel=DM, skip=1)


def parent_updates(fake) -> list[str]:
    return [c.body["text"] for c in fake.calls_to("chat.update") if c.body["channel"] == "C1"]


def test_start_posts_a_parent_in_the_channel_and_asks_in_a_direct_message(thread, fake_slack):
    parent = fake_slack.calls_to("chat.postMessage")[0].body["text"]
    assert "*LSP baseline self-assessment* for *Spelthorne LSP* — questionnaire *1*" in parent
    assert (
        f"Answered by <@{CHAIR}> in a direct message with me · answered 0 of 10 · "
        "waiting for its first answer · due Fri 12 Nov 2027, 17:00 GMT" in parent
    )
    intro = fake_slack.calls_to("chat.postMessage")[1].body["text"]
    assert "only officers and you will see them" in intro and "<#C1>" in intro
    (first,) = thread.posts()
    assert first.startswith("*Question 1 of 10: Operations*")
    assert "How often does your LSP meet?" in first


def test_the_parent_shows_progress_updated_in_place_and_never_an_answer(thread, fake_slack):
    thread.say(BASELINE_ANSWERS[0])
    thread.say(BASELINE_ANSWERS[1])
    updates = eventually(lambda: parent_updates(fake_slack)[1:] or None, what="two updates")
    assert "answered 2 of 10 · being answered · due Fri 12 Nov 2027, 17:00 GMT" in updates[-1]
    parent_ts = fake_slack.calls_to("chat.postMessage")[0].response["ts"]
    assert {c.body["ts"] for c in fake_slack.calls_to("chat.update")} == {parent_ts}
    assert not any("quarterly" in u or "rarely attends" in u for u in parent_updates(fake_slack))
    thread.say("status")  # no change: no update
    fake_slack.drained()
    assert len(parent_updates(fake_slack)) == 2


def channel_posts(fake) -> list[dict]:
    """Top-level channel messages after the questionnaire's own parent."""
    return [
        c.body
        for c in fake.calls_to("chat.postMessage")
        if "thread_ts" not in c.body and c.body["channel"] == "C1"
    ][1:]


def test_a_chair_answers_the_whole_baseline_and_submits(thread, fake_slack, engine):
    for n, answer in enumerate(BASELINE_ANSWERS, start=1):
        posted = thread.say(answer)
        if n < 10:
            assert f"*Question {n + 1} of 10" in posted
    summary = thread.posts()[-1]
    assert "*Your answers: LSP baseline self-assessment*" in summary
    assert "*1. Operations* — We meet quarterly" in summary
    # Only the chair reads their direct conversation: their confidential answer is shown.
    assert (
        "*2. Structure and membership* — :lock: _in confidence:_ Four themed subgroups" in summary
    )
    done = thread.say("submit")
    assert "Submitted" in done
    # Circulated in the parent's thread, without the confidential answer.
    parent = fake_slack.calls_to("chat.postMessage")[0]
    circulated = Thread(thread.slack, fake_slack, parent.response["ts"])
    (note,) = eventually(circulated.posts, what="the circulated answers")
    assert f"<@{CHAIR}> submitted questionnaire *1*" in note
    assert "*1. Operations* — We meet quarterly" in note
    assert "*2. Structure and membership* — :lock: _answered in confidence_" in note
    assert "rarely attends" not in note
    assert channel_posts(fake_slack) == []  # nothing else at the channel's top level
    assert "answered 10 of 10 · submitted" in eventually(
        lambda: (
            parent_updates(fake_slack)[-1]
            if "· submitted" in parent_updates(fake_slack)[-1]  # not "waiting to be submitted"
            else None
        ),
        what="the parent's last update",
    )
    with Session(engine) as session:
        assert session.exec(select(AssessRun.status)).one() == "submitted"
        assert len(session.exec(select(AssessAnswer)).all()) == 10


def test_submit_too_soon_names_the_questions_still_to_answer(thread):
    for answer in BASELINE_ANSWERS[:8]:
        thread.say(answer)
    assert thread.say("submit") == "Not yet: questions 9, 10 still need answers."
    thread.say(BASELINE_ANSWERS[8])
    assert thread.say("submit") == "Not yet: question 10 still needs an answer."


@pytest.fixture
def in_thread(officer, slack, fake_slack) -> Thread:
    """A questionnaire with no confidential question, asked in the channel's thread."""
    assert "added the questionnaire `pulse`" in officer(PULSE).text
    reply = officer(f"start pulse for <@{CHAIR}|nick> in thread")
    assert "in a thread in this channel" in reply.text, reply.text
    parent, first = fake_slack.wait_for("chat.postMessage", count=2)
    assert first.body["thread_ts"] == parent.response["ts"] and first.body["channel"] == "C1"
    assert fake_slack.calls_to("conversations.open") == []
    return Thread(slack, fake_slack, parent.response["ts"])


def test_a_questionnaire_with_a_confidential_question_refuses_a_thread(officer, fake_slack):
    refused = officer(f"start baseline for <@{CHAIR}|nick> in thread")
    assert not refused.public
    assert "in confidence (question 2, Structure and membership)" in refused.text
    assert "everyone in this channel can read its thread" in refused.text
    assert "Leave out `in thread`" in refused.text
    assert "There is no questionnaire `1`" in officer("report 1").text  # nothing started


def test_in_a_thread_it_runs_as_before(in_thread):
    assert in_thread.posts()[0].startswith(f"<@{CHAIR}> *Question 1 of 1: Health*")
    assert "*Your answers: Partnership pulse*" in in_thread.say("4")
    assert "Submitted" in in_thread.say("submit")


def test_replies_from_anyone_else_are_not_recorded_and_they_are_told_privately(
    in_thread, fake_slack, engine
):
    thread = in_thread
    thread.send("I think we meet monthly", user=MEMBER)
    (note,) = fake_slack.wait_for("chat.postEphemeral")
    assert note.body["user"] == MEMBER and note.body["thread_ts"] == thread.ts
    assert f"Only <@{CHAIR}> answers this questionnaire" in note.body["text"]
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer)).all() == []


def test_status_with_every_question_answered_says_to_submit(thread):
    for answer in BASELINE_ANSWERS:
        thread.say(answer)
    status = thread.say("status")
    assert (
        "10 of 10 answered · every question answered, waiting to be submitted; say `submit`"
        in status
    )
    assert "on question" not in status


def test_back_edit_status_pause_and_resume(thread):
    thread.say(BASELINE_ANSWERS[0])
    assert "*Question 1 of 10" in thread.say("back")
    assert "*Question 2 of 10" in thread.say("A better answer about operations.")
    assert "1 of 10 answered · being answered; on question 2" in thread.say("status")
    assert "Paused at question 2" in thread.say("pause")
    assert "paused" in thread.say("Some answer while paused")
    assert "*Question 2 of 10" in thread.say("resume")
    assert "*Question 1 of 10" in thread.say("edit 1")
    assert "*Question 2 of 10" in thread.say("Operations, third version.")
    assert "from 1 to 10" in thread.say("edit 11")
    assert "isn't optional" in thread.say("skip")
    helped = thread.say("help")
    assert "Reply here to answer the question I last asked" in helped
    assert "You can also say:" in helped and "`edit 3`" in helped


def test_a_restart_midway_resumes_at_the_right_question(thread, settings, engine, fake_slack):
    for answer in BASELINE_ANSWERS[:4]:
        thread.say(answer)
    # A new process: a new app on the same database, the same fake Slack.
    restarted = SlackDriver(create_app(settings, engine, clock=lambda: NOW), team="T1")
    after = Thread(restarted, fake_slack, None, channel=DM, skip=1)
    assert "*Question 6 of 10: Role of district/borough councilors*" in after.say(
        BASELINE_ANSWERS[4]
    )


def test_one_event_delivered_twice_is_recorded_once(thread, fake_slack, engine):
    first = thread.send(BASELINE_ANSWERS[0], event_id="EvSAME", ts="1700009999.000100")
    fake_slack.wait_for("chat.postMessage", count=4)
    again = thread.send(BASELINE_ANSWERS[0], event_id="EvSAME", ts="1700009999.000100")
    assert first.status == again.status == 200
    fake_slack.drained()  # the retry's handling is over, whatever it did
    assert len(thread.posts()) == 2  # the first question, and the second: no third
    with Session(engine) as session:
        assert len(session.exec(select(AssessAnswer)).all()) == 1


def test_one_message_under_two_event_ids_is_recorded_once(thread, fake_slack, engine):
    """Slack can deliver one message twice with different event ids (a message in a
    shared channel, a redelivery after a reconnect): the message's own identity, its
    channel and ts, decides."""
    thread.send(BASELINE_ANSWERS[0], event_id="EvFIRST", ts="1700008888.000100")
    fake_slack.wait_for("chat.postMessage", count=4)
    thread.send(BASELINE_ANSWERS[0], event_id="EvSECOND", ts="1700008888.000100")
    fake_slack.drained()
    assert len(thread.posts()) == 2
    with Session(engine) as session:
        assert len(session.exec(select(AssessAnswer)).all()) == 1


@pytest.mark.parametrize(
    "where, first, second",
    [
        ("thread", "First version of operations.", "Second version of operations."),
        ("in_thread", "3", "5"),  # the pulse, in the channel's thread
    ],
)
def test_editing_the_message_that_held_an_answer_updates_it(request, engine, where, first, second):
    chat: Thread = request.getfixturevalue(where)
    chat.say(first, ts="1700005555.000100")
    chat.edit("1700005555.000100", second)
    eventually(lambda: "Updated your answer to question 1" in chat.posts()[-1], what="the update")
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer.value)).one() == second


def submit_all(thread: Thread):
    for answer in BASELINE_ANSWERS:
        thread.say(answer)
    thread.say("submit")


def test_report_hides_confidential_answers_from_all_but_officers_and_the_respondent(
    officer, thread
):
    submit_all(thread)
    for user, sees in [(OFFICER, True), (CHAIR, True), (MEMBER, False)]:
        report = officer("report 1", user=user)
        assert not report.public
        assert ("rarely attends" in report.everything) is sees, user
        assert "We meet quarterly" in report.everything


def test_status_shows_progress(officer, thread):
    for answer in BASELINE_ANSWERS[:4]:
        thread.say(answer)
    status = officer("status").everything
    assert (
        f"`#1` *baseline* — <@{CHAIR}> · 4 of 10 answered · being answered · due Fri 12 Nov 2027, 17:00 GMT"
        in status
    )


def test_compare_puts_partnerships_side_by_side_without_confidential_answers(
    officer, thread, slack, fake_slack
):
    submit_all(thread)
    slack.command("/partnership", "create Woking LSP", user=OFFICER, channel="C2")
    officer("start baseline", channel="C2")
    woking = Thread(slack, fake_slack, None, channel=f"D{OFFICER}", skip=1)
    eventually(woking.posts, what="Woking's first question")
    for answer in BASELINE_ANSWERS:
        woking.say(answer.replace("We", "Woking"), user=OFFICER)
    woking.say("submit", user=OFFICER)
    reply = officer("compare baseline")
    assert "2 partnerships submitted: *Spelthorne LSP*, *Woking LSP*." in reply.text
    (upload,) = fake_slack.wait_for("upload")
    rows = list(csv.reader(io.StringIO(upload.body["content"].decode("utf-8-sig"))))
    assert rows[1] == ["Question", "Spelthorne LSP", "Woking LSP"]
    by_question = {row[0]: row[1:] for row in rows[2:]}
    assert by_question["1. Operations"] == [
        BASELINE_ANSWERS[0],
        "Woking meet quarterly; the council leader chairs.",
    ]
    assert by_question["2. Structure and membership"] == ["in confidence", "in confidence"]
    assert "rarely attends" not in upload.body["content"].decode()


def test_cancel_closes_the_questionnaire(officer, thread, fake_slack):
    assert "Only officers" in officer("cancel 1", user=MEMBER).text
    assert officer("cancel 1").public
    posted = eventually(
        lambda: [p for p in thread.posts() if "cancelled questionnaire" in p], what="the note"
    )
    assert "cancelled questionnaire *1*" in posted[0]
    assert "cancelled" in eventually(lambda: parent_updates(fake_slack), what="the update")[-1]
    assert "You have no questionnaire open with me" in thread.say("An answer after all")


def test_templates_and_template_show(officer):
    assert (
        "`baseline` — LSP baseline self-assessment _(built in)_" in officer("templates").everything
    )
    shown = officer("template show baseline").everything
    assert "*2. Structure and membership* (text, confidential)" in shown


def test_a_malformed_template_is_refused_with_its_line_and_field(officer):
    refused = officer(
        "template add\nname: survey\ntitle: Survey\nquestions:\n  - title: Q\n    prompt: P\n    kind: scale"
    )
    # Counted within the YAML, as in the file an officer pastes.
    assert not refused.public and "Line 6, questions[1].kind" in refused.text


def test_a_new_template_can_be_added_and_started(officer, slack, fake_slack):
    source = (
        "template add\nname: pulse\ntitle: Partnership pulse\nquestions:\n"
        "  - title: Health\n    prompt: How healthy is the partnership?\n    kind: rating\n"
        "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
    )
    assert "added the questionnaire `pulse`" in officer(source).text
    officer("start pulse")
    pulse = Thread(slack, fake_slack, None, channel=f"D{OFFICER}", skip=1)
    eventually(pulse.posts, what="the first question")
    assert "Reply with a number" in pulse.posts()[0]
    assert ":warning:" in pulse.say("7", user=OFFICER)
    assert "*Your answers: Partnership pulse*" in pulse.say("4", user=OFFICER)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("start", "Say which questionnaire"),
        ("start nope", "There is no questionnaire called `nope`"),
        ("start baseline due soon", "isn't a date"),
        ("start baseline for <@U9|a> <@U8|b>", "Name one person"),
        ("report 7", "There is no questionnaire `7`"),
        ("compare baseline", "No partnership has submitted `baseline` yet"),
        ("frob", "`/assess` has no `frob` option"),
    ],
)
def test_bad_input_is_refused_with_what_to_type(officer, text, problem):
    refused = officer(text)
    assert not refused.public and problem in refused.text


def test_only_officers_start_questionnaires_for_other_people(officer, fake_slack):
    assert "Only officers" in officer(f"start baseline for <@{CHAIR}|nick>", user=MEMBER).text
    assert "Starting questionnaire" in officer("start baseline", user=MEMBER).text
    first = fake_slack.wait_for("chat.postMessage", count=3)[2].body
    assert first["channel"] == f"D{MEMBER}" and first["text"].startswith("*Question 1 of 10")


def test_export_posts_the_run_without_confidential_answers(officer, thread, fake_slack):
    submit_all(thread)
    reply = officer("export 1")
    assert "questionnaire-1-baseline.md" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    text = upload.body["content"].decode()
    assert "# LSP baseline self-assessment" in text and "We meet quarterly" in text
    assert "rarely attends" not in text and "in confidence" in text


def test_an_export_shows_markup_typed_in_an_answer_as_typed(officer, thread, fake_slack):
    typed = "<b>Chair</b> & deputy\n- quarterly\n# not a heading"
    for answer in [typed, *BASELINE_ANSWERS[1:]]:
        thread.say(answer)
    thread.say("submit")
    officer("export 1")
    (upload,) = fake_slack.wait_for("upload")
    text = upload.body["content"].decode()
    # Escaped the CommonMark way, its line breaks kept as hard breaks.
    assert "\\<b\\>Chair\\</b\\> \\& deputy\\\n\\- quarterly\\\n\\# not a heading" in text
    assert "<b>" not in text


def test_a_reply_whose_handling_failed_is_recorded_when_slack_retries_it(
    thread, engine, monkeypatch
):
    from commands.assess import conversation

    real = conversation.on_reply
    calls = []

    def fails_once(session, message):
        calls.append(message.event_id)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return real(session, message)

    monkeypatch.setattr(conversation, "on_reply", fails_once)
    thread.send(BASELINE_ANSWERS[0], event_id="EvRETRY", ts="1700007777.000100")
    (note,) = thread.fake.wait_for("chat.postEphemeral")
    assert "wasn't recorded" in note.body["text"]
    # Slack delivers the same event again: this time it is handled, once.
    assert "*Question 2 of 10" in thread.say(
        BASELINE_ANSWERS[0], event_id="EvRETRY", ts="1700007777.000100"
    )
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer.value)).one() == BASELINE_ANSWERS[0]


def test_every_stored_status_has_words_people_use():
    """formatting.questionnaire_state keys its words by the stored values: a new status
    without words would fail here, not in a user's digest."""
    from formatting.questionnaire_state import state_words
    from storage.models import AssessRun, RunStatus

    internal = {"starting", "open", "review"}
    for status in RunStatus:
        assert state_words(AssessRun(status=status)) not in internal


def test_status_lists_the_open_by_nearest_due_date_then_the_latest_submitted(
    settings, engine, fake_slack, clock
):
    slack = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    assert "added the questionnaire `pulse`" in slack.command("/assess", PULSE, user=OFFICER).text

    def start(person: str, due: str = "") -> None:
        slack.command("/assess", f"start pulse for <@{person}> {due}".strip(), user=OFFICER)
        fake_slack.wait_for("chat.postMessage", 2, channel=f"D{person}")

    def submit(person: str) -> None:
        chat = Thread(slack, fake_slack, None, channel=f"D{person}")
        chat.say("4", user=person)
        assert "Submitted" in chat.say("submit", user=person)

    start("U11UNDATED")  # 1: open, no due date
    start("U12EARLIER")  # 2: submitted first
    start("U13LATER", "due 30 December")  # 3: open, due later
    start("U14SOONER", "due 10 December")  # 4: open, due sooner
    start("U15LATEST")  # 5: submitted last
    start("U16CANCELLED", "due 1 December")  # 6: cancelled
    submit("U12EARLIER")
    clock.now = NOW + timedelta(hours=1)
    submit("U15LATEST")
    assert slack.command("/assess", "cancel 6", user=OFFICER).public
    status = slack.command("/assess", "status", user=OFFICER)
    shown = " ".join(b["text"]["text"] for b in status.body["blocks"] if b["type"] == "section")
    assert re.findall(r"`#(\d+)`", shown) == ["4", "3", "1", "5", "2", "6"]
    assert status.body["blocks"][1]["elements"][0]["text"] == (
        "Open ones first, the soonest due at the top; then the most recently submitted; "
        "cancelled ones last."
    )
