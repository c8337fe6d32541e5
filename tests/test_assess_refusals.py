"""`report`, `export`, `reopen` and `cancel` by someone who may not: a private refusal
that says why, and nothing changes (no row, no post, no file). Signed commands in; the
fake Slack records every call out."""

import pytest

from tests.fake_slack import eventually
from tests.helpers import BASELINE_ANSWERS, CHAIR, Thread, team_rows

OFFICER, MEMBER, OUTSIDER = "U1OFFICER", "U3MEMBER", "U4OUTSIDER"
DM = f"D{CHAIR}"
SECRET = "rarely attends"  # in the answer to question 2, which is in confidence


@pytest.fixture
def assess(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)
    return lambda text, user=OFFICER: slack.command("/assess", text, user=user)


@pytest.fixture
def chat(assess, slack, fake_slack) -> Thread:
    assess(f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    return Thread(slack, fake_slack, None, channel=DM, skip=1)


def channel_posts(fake_slack) -> list[str]:
    return [c.body["text"] for c in fake_slack.calls if c.body.get("channel") == "C1"]


def parent_says(fake_slack, words: str) -> None:
    """Wait for the channel's parent to say `words`: the bot posts to the channel after it
    answers in the direct message, and a post landing later would be taken for the
    refusal's."""
    eventually(
        lambda: any(words in c.body["text"] for c in fake_slack.calls_to("chat.update", "C1")),
        what=f"the parent saying {words!r}",
    )


REFUSED_WHILE_ANSWERED = [
    (MEMBER, "report 1", "Questionnaire 1 isn't submitted yet: its answers stay with <@U2CHAIR>"),
    (OUTSIDER, "report 1", "isn't submitted yet"),
    (MEMBER, "export 1", "isn't submitted yet, so nothing of it goes to the channel"),
    (OFFICER, "export 1 docx", "isn't submitted yet, so nothing of it goes to the channel"),
    (MEMBER, "cancel 1", "Only officers of *Spelthorne LSP* can cancel questionnaires."),
    (CHAIR, "cancel 1", "Only officers of *Spelthorne LSP* can cancel questionnaires."),
    (MEMBER, "reopen 1", "Only officers of *Spelthorne LSP* can reopen someone else's answers."),
    (OUTSIDER, "reopen 1", "Only officers"),
]


@pytest.mark.parametrize(("user", "text", "why"), REFUSED_WHILE_ANSWERED)
def test_a_questionnaire_being_answered_is_touched_only_by_those_allowed(
    assess, chat, engine, fake_slack, user, text, why
):
    chat.say(BASELINE_ANSWERS[0])
    chat.say(BASELINE_ANSWERS[1])
    parent_says(fake_slack, "answered 2 of 10")  # so that what follows is the refusal's
    before, posts_before = team_rows(engine, "T1"), channel_posts(fake_slack)
    refused = assess(text, user=user)
    assert not refused.public and why in refused.text, refused.text
    assert SECRET not in refused.everything and BASELINE_ANSWERS[0] not in refused.everything
    assert team_rows(engine, "T1") == before
    # A change the officer may make, posted after the refusal: once it is seen, anything
    # the refusal had posted would have been seen before it.
    assert assess("cancel 1").public

    def new() -> list[str]:
        return channel_posts(fake_slack)[len(posts_before) :]

    eventually(lambda: any("cancelled questionnaire" in p for p in new()), what="the note")
    assert all("cancelled" in p for p in new())  # the note, and the parent updated
    assert fake_slack.calls_to("upload") == []


REFUSED_ONCE_SUBMITTED = [
    (MEMBER, "reopen 1", "Only officers of *Spelthorne LSP* can reopen someone else's answers."),
    (MEMBER, "cancel 1", "Only officers of *Spelthorne LSP* can cancel questionnaires."),
    (MEMBER, "export 1 pdf", "I can't make a `pdf` file: `md`, `markdown`, `docx`, `word`."),
    (MEMBER, "report 9", "There is no questionnaire `9` here."),
]


@pytest.mark.parametrize(("user", "text", "why"), REFUSED_ONCE_SUBMITTED)
def test_a_submitted_questionnaire_is_touched_only_by_those_allowed(
    assess, chat, engine, fake_slack, user, text, why
):
    for answer in BASELINE_ANSWERS:
        chat.say(answer)
    assert "Submitted" in chat.say("submit")
    parent_says(fake_slack, "answered 10 of 10 · submitted")  # after the circulated answers
    before, posts_before = team_rows(engine, "T1"), channel_posts(fake_slack)
    refused = assess(text, user=user)
    assert not refused.public and why in refused.text, refused.text
    assert team_rows(engine, "T1") == before
    assert assess("reopen 1").public  # the barrier: the officer's change is posted
    eventually(lambda: "reopened" in channel_posts(fake_slack)[-1], what="the parent")
    assert all("reopened" in p for p in channel_posts(fake_slack)[len(posts_before) :])
    # The submitted answers are still there for the channel: the refusal changed nothing.
    assert "We meet quarterly" in assess("report 1", user=MEMBER).everything
