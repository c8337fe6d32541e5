"""What a new user trying issue 21's questionnaire met: a command missing its number or
name, a page that isn't there, a cancelled questionnaire asked for. Each gets a private
reply saying what to type, and changes nothing. Signed commands in; the fake Slack
records every call out."""

import pytest
from sqlmodel import Session, select

from storage.models import AssessAnswer
from tests.fake_slack import eventually
from tests.helpers import BASELINE_ANSWERS, CHAIR, PULSE, Thread, team_rows

OFFICER = "U1OFFICER"


@pytest.fixture
def assess(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    return lambda text, user=OFFICER: slack.command("/assess", text, user=user)


@pytest.mark.parametrize("action", ["report", "export", "reopen", "cancel"])
def test_a_command_without_its_number_says_to_give_one(assess, engine, action):
    before = team_rows(engine, "T1")
    refused = assess(action)
    assert not refused.public
    assert "Say which questionnaire, by its number" in refused.text, refused.text
    assert f"`/assess {action} 1`" in refused.text and "(nothing)" not in refused.text
    assert team_rows(engine, "T1") == before


def test_compare_without_a_name_says_to_give_one(assess, engine):
    before = team_rows(engine, "T1")
    refused = assess("compare")
    assert not refused.public
    assert "Say which questionnaire to compare, by its name" in refused.text, refused.text
    assert "`/assess compare baseline`" in refused.text and "(nothing)" not in refused.text
    assert team_rows(engine, "T1") == before


def test_a_page_past_a_one_page_report_points_to_the_report_itself(assess, engine, fake_slack):
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    before = team_rows(engine, "T1")
    refused = assess("report 1 page 2")
    assert not refused.public
    assert "Questionnaire 1's answers fill 1 page, so there is no page 2." in refused.text
    assert "Say `/assess report 1`: it shows them all." in refused.text, refused.text
    assert "any page from 1" not in refused.text
    assert team_rows(engine, "T1") == before


def test_a_cancelled_questionnaire_is_not_said_to_be_waiting_for_its_submission(
    assess, engine, fake_slack
):
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    assert assess("cancel 1").public
    before = team_rows(engine, "T1")
    for text, user in [("export 1", OFFICER), ("report 1", "U3MEMBER")]:
        refused = assess(text, user=user)
        assert not refused.public
        assert "Questionnaire 1 was cancelled before it was submitted" in refused.text
        assert "submit it" not in refused.text and "yet" not in refused.text, refused.text
    read = assess("report 1")  # an officer reads it as it stood
    assert "0 of 10 answered, cancelled before it was submitted" in read.everything
    assert "No round · answered by" in read.everything and "First round" not in read.everything
    assert team_rows(engine, "T1") == before


def test_a_chair_of_two_partnerships_is_told_which_baseline_is_whose(assess, slack, fake_slack):
    """Both questionnaires are number 1 of the same template: only the partnership's name
    tells them apart in the list of where to reply."""
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    assert slack.command("/partnership", "create Runnymede LSP", user=OFFICER, channel="C2").public
    start = f"start baseline for <@{CHAIR}|nick> due 12 December"
    assert "Starting" in slack.command("/assess", start, user=OFFICER, channel="C2").text
    eventually(
        lambda: len(fake_slack.calls_to("chat.postMessage", f"D{CHAIR}")) >= 4,
        what="the second questionnaire's introduction and first question",
    )
    asked = Thread(slack, fake_slack, None, channel=f"D{CHAIR}").say("We meet monthly.")
    assert "You have 2 questionnaires open with me" in asked, asked
    assert "• *LSP baseline self-assessment* for *Spelthorne LSP* (questionnaire 1)" in asked
    assert "• *LSP baseline self-assessment* for *Runnymede LSP* (questionnaire 1)" in asked


def test_the_person_may_be_named_after_the_due_date(assess, fake_slack):
    started = assess(f"start baseline due 12 December for <@{CHAIR}|nick>")
    assert "Starting questionnaire *1*" in started.text and f"<@{CHAIR}>" in started.text, (
        started.text
    )
    (parent,) = fake_slack.wait_for("chat.postMessage", channel="C1")
    assert "due Sat 12 Dec 2026, 17:00 GMT" in parent.body["text"]


def test_the_start_repeats_the_due_date_as_read_with_the_time_left(assess):
    """`due 1 November` typed after 1 November is next year's: the officer sees so."""
    started = assess(f"start baseline for <@{CHAIR}|nick> due 1 November")
    assert not started.public
    assert (
        f"Starting questionnaire *1* (LSP baseline self-assessment) for <@{CHAIR}>, due "
        "Mon 1 Nov 2027, 17:00 GMT (in 342 days)" in started.text
    ), started.text
    assert "days), in a direct message with me" in started.text
    undated = assess("start baseline")  # for oneself, with no due date: nothing to repeat
    assert f"for <@{OFFICER}> in a direct message with me" in undated.text, undated.text


def test_the_channel_and_status_show_the_due_time_and_zone(assess, fake_slack):
    """Reopening and submitting stop at the due time, not at midnight: it is shown."""
    assess(f"start baseline for <@{CHAIR}|nick> due 3 January at 9am")
    (parent,) = fake_slack.wait_for("chat.postMessage", channel="C1")
    assert "· due Sun 3 Jan 2027, 09:00 GMT" in parent.body["text"], parent.body["text"]
    assert "· due Sun 3 Jan 2027, 09:00 GMT ·" in assess("status").everything


def test_edit_shows_the_answer_being_changed(assess, slack, fake_slack):
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    chat = Thread(slack, fake_slack, None, channel=f"D{CHAIR}", skip=1)
    chat.say("We meet monthly &amp; &lt;b&gt;rarely&lt;/b&gt; cancel.")  # as Slack sends it
    chat.say("Two subgroups; the faith forum has withdrawn.")  # question 2, in confidence
    first = chat.say("edit 1")
    assert first.startswith("*Question 1 of 10: Operations*"), first
    assert first.endswith(
        "_Your answer now:_ We meet monthly &amp; &lt;b&gt;rarely&lt;/b&gt; cancel."
    )
    second = chat.say("edit 2")  # their own confidential answer, in their own conversation
    assert second.endswith(
        "_Your answer now:_ :lock: _in confidence:_ Two subgroups; the faith forum has withdrawn."
    ), second
    assert "Your answer now" not in chat.say("edit 3")  # not answered yet: nothing to show


def circulated(fake_slack) -> str:
    return eventually(
        lambda: next(
            (
                c.body["text"]
                for c in fake_slack.calls_to("chat.postMessage", "C1")
                if "submitted questionnaire" in c.body["text"]
            ),
            None,
        ),
        what="the answers circulated in the channel",
    )


def test_the_circulated_answers_point_everyone_to_the_full_report(assess, slack, fake_slack):
    """They are cut short in the channel; anyone there may read them whole, and only the
    officers the confidential ones: not "Officers see every answer in full"."""
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    chat = Thread(slack, fake_slack, None, channel=f"D{CHAIR}", skip=1)
    for answer in BASELINE_ANSWERS:
        chat.say(answer)
    assert "Submitted" in chat.say("submit")
    assert circulated(fake_slack).endswith(
        "Every answer in full: `/assess report 1` (those in confidence only for officers)."
    )


def test_with_nothing_in_confidence_the_pointer_says_nothing_of_it(assess, slack, fake_slack):
    assert "added the questionnaire `pulse`" in assess(PULSE).text
    assess(f"start pulse for <@{CHAIR}|nick>")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    chat = Thread(slack, fake_slack, None, channel=f"D{CHAIR}", skip=1)
    chat.say("4")
    assert "Submitted" in chat.say("submit")
    assert circulated(fake_slack).endswith("Every answer in full: `/assess report 1`.")


def test_a_reply_in_the_channels_thread_of_a_direct_questionnaire_is_not_an_answer(
    assess, slack, fake_slack, engine
):
    """Everyone in the channel reads the parent's thread. The respondent's reply there was
    taken for an answer, and the next question sent to that thread's ts in the direct
    conversation, which has no such thread."""
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    parent, _, _ = fake_slack.wait_for("chat.postMessage", count=3)
    in_channel = Thread(slack, fake_slack, parent.response["ts"], channel="C1")
    in_channel.send("We meet monthly.")
    (note,) = fake_slack.wait_for("chat.postEphemeral")
    assert note.body["user"] == CHAIR and note.body["channel"] == "C1"
    assert note.body["thread_ts"] == parent.response["ts"]
    assert note.body["text"].startswith(
        "Questionnaire *1* is answered in your direct message with me, not here"
    )
    assert "wasn't recorded" in note.body["text"], note.body
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer)).all() == []
    # The respondent's next message in the direct conversation still answers question 1.
    answered = Thread(slack, fake_slack, None, channel=f"D{CHAIR}").say("We meet monthly.")
    assert answered.startswith("*Question 2 of 10"), answered
    assert len(fake_slack.calls_to("chat.postMessage")) == 4  # only question 2 more
    # Anyone else there is discussing: not recorded, and not nagged for it.
    in_channel.send("Looking forward to reading it.", user="U3MEMBER")
    fake_slack.drained()
    assert fake_slack.calls_to("chat.postEphemeral") == [note]
    with Session(engine) as session:
        assert len(session.exec(select(AssessAnswer)).all()) == 1
