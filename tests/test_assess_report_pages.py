"""A questionnaire too long for one Slack message is read whole, page by page, in
private: `/assess report 1` then `… page 2`. Confidential answers can be in no file a
channel sees, so this is where officers read every one of them. Signed commands and
events in; the fake Slack records every call out."""

import json
import re

import pytest

from tests.fake_slack import eventually
from tests.helpers import CHAIR, Thread
from tests.slack_checks import message_problems

OFFICER, MEMBER = "U1OFFICER", "U3MEMBER"
DM = f"D{CHAIR}"
QUESTIONS = 30

# Thirty questions in confidence, each answered with nearly the 3,000 characters allowed:
# some sixty sections, more than the 47 one message has room for beside its header.
LONG = "template add\nname: long\ntitle: Long review\nquestions:\n" + "".join(
    f"  - title: Area {n}\n    prompt: How is area {n}?\n    confidential: true\n"
    for n in range(1, QUESTIONS + 1)
)


def secret(n: int) -> str:
    """The answer to question n: unique words throughout, `&` included, and a last word."""
    return " ".join(f"a{n}w{i} & co" for i in range(400))[:2900] + f" END{n}"


@pytest.fixture
def answered(slack, fake_slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)
    assert "added the questionnaire `long`" in slack.command("/assess", LONG, user=OFFICER).text
    slack.command("/assess", f"start long for <@{CHAIR}|nick> due 12 December", user=OFFICER)
    chat = Thread(slack, fake_slack, None, channel=DM)
    eventually(lambda: any("Question 1 of 30" in p for p in chat.posts()), what="question 1")
    for n in range(1, QUESTIONS + 1):
        chat.say(secret(n))
    assert "Submitted" in chat.say("submit")
    fake_slack.drained()  # the answers circulated on submit, posted after the reply
    return lambda text, user=OFFICER: slack.command("/assess", text, user=user)


def test_an_officer_reads_every_confidential_answer_page_by_page(answered, fake_slack):
    first = answered("report 1")
    assert not first.public
    assert message_problems(first.text, first.body["blocks"]) == []
    *_, note, turns = first.body["blocks"]
    assert note["elements"][0]["text"] == (
        "Page 1 of 2: `/assess report 1 page 2` shows the next (only you see it, as here)."
    )
    (following,) = turns["elements"]
    assert following["text"]["text"] == "Next page (2 of 2)" and following["value"] == "1 page 2"
    second = answered("report 1 page 2")
    assert not second.public and message_problems(second.text, second.body["blocks"]) == []
    assert "page 2 of 2" in second.text
    *_, note, turns = second.body["blocks"]
    assert note["elements"][0]["text"].startswith("Page 2 of 2, the last")
    assert [b["text"]["text"] for b in turns["elements"]] == ["Previous page (1 of 2)"]
    # Every word of every answer, once, across the two pages: none cut short or repeated.
    shown = " ".join(
        " ".join(block["text"]["text"].split())
        for page in (first, second)
        for block in page.body["blocks"]
        if block["type"] == "section"
    )
    for n in range(1, QUESTIONS + 1):
        words = secret(n).replace("&", "&amp;")
        assert shown.count(words) == 1, f"answer {n}"
    # Read in private only: no answer went to a channel, a thread or a file.
    elsewhere = [c.body for c in fake_slack.calls if c.body.get("channel") != DM]
    assert not re.search(r"a\d+w1 ", json.dumps(elsewhere))


def test_a_page_that_is_not_there_is_refused_saying_which_are(answered):
    refused = answered("report 1 page 3")
    assert not refused.public and (
        "Questionnaire 1's answers fill 2 pages, so there is no page 3." in refused.text
    )
    assert "Say a page from 1 to 2: `/assess report 1 page 2` is the last." in refused.text
    refused = answered("report 1 page two")
    assert not refused.public and "`two` isn't a page number." in refused.text


def test_others_read_the_pages_without_the_confidential_answers(answered):
    member = answered("report 1", user=MEMBER)
    assert "a1w1 " not in member.everything and "answered in confidence" in member.everything
    assert "page" not in member.text  # thirty short lines fit in one message


def test_the_next_page_button_shows_it_in_place_of_the_first(answered, slack, fake_slack):
    (following,) = answered("report 1").body["blocks"][-1]["elements"]
    posted = len(fake_slack.calls_to("chat.postMessage"))
    clicked = slack.interaction(
        {
            "type": "block_actions",
            "trigger_id": "4.5.6",
            "container": {"type": "message", "channel_id": "C1", "is_ephemeral": True},
            "channel": {"id": "C1"},
            "response_url": f"{fake_slack.url}response/T1",
            "actions": [following],
        },
        user=OFFICER,
    )
    assert clicked.status == 200
    (shown,) = fake_slack.wait_for("response_url")
    page = shown.body
    assert page["replace_original"] is True and page["response_type"] == "ephemeral"
    assert "page 2 of 2" in page["text"] and message_problems(page["text"], page["blocks"]) == []
    assert "END30" in json.dumps(page["blocks"])  # the last answer, read in full
    assert len(fake_slack.calls_to("chat.postMessage")) == posted  # posted nowhere else
