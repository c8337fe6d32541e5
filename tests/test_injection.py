"""Mention and markup injection: hostile text in every stored name and answer comes back
inert and escaped exactly once, wherever the bot shows it: command replies, the Home tab,
thread posts, reminders and the weekly digest.

Each payload is sent as Slack sends it. A real `@channel` arrives as `<!channel>`; text a
person typed arrives entity-encoded, so typing `&lt;b&gt;` arrives as `&amp;lt;b&amp;gt;`.
The bot stores what the person meant and escapes it once on the way out: in mrkdwn the
stored text appears escaped (and never raw, never escaped twice); in plain_text, which
Slack never parses for mentions or links, it appears as stored.
"""

import json

import pytest
from sqlmodel import Session, select

from formatting.slack_text import escape, unescape
from storage.models import AssessAnswer
from tests.fake_slack import eventually
from tests.helpers import Thread, open_home

OFFICER, CHAIR = "U1OFFICER", "U2CHAIR"
PAYLOADS = {
    "channel": "<!channel>",
    "everyone": "<!everyone>",
    "subteam": "<!subteam^S1>",
    "link": "<https://evil.example|bank>",
    "pre-escaped": "&amp;lt;b&amp;gt;",
}
SHOWN_BY_SLACK = ("chat.postMessage", "chat.postEphemeral", "views.publish", "response_url")


def rendered(payload) -> tuple[list[str], list[str]]:
    """Every string Slack would render from a message, view or reply: (mrkdwn, plain)."""
    mrkdwn, plain = [], []

    def walk(node, in_plain=False):
        if isinstance(node, dict):
            in_plain = node.get("type") == "plain_text"
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    (plain if in_plain else mrkdwn).append(value)
                elif key not in ("metadata", "private_metadata", "value", "url"):
                    walk(value, in_plain)
        elif isinstance(node, list):
            for item in node:
                walk(item, in_plain)

    walk(payload)
    return mrkdwn, plain


def shown(bodies) -> tuple[str, str]:
    """All mrkdwn and all plain text in these bodies, each as one string."""
    bodies = [
        b | {"view": json.loads(b["view"])} if isinstance(b.get("view"), str) else b for b in bodies
    ]
    mrkdwn, plain = rendered(bodies)
    return "\n".join(mrkdwn), "\n".join(plain)


def surfaces(fake_slack, replies) -> dict[str, list[dict]]:
    sent = lambda method: [c.body for c in fake_slack.calls_to(method)]  # noqa: E731
    return {
        "replies": [r.body for r in replies] + sent("response_url"),
        "home": sent("views.publish"),
        "channel": sent("chat.postMessage") + sent("chat.postEphemeral"),
    }


# Where each stored text must be seen (everything is checked everywhere for raw markup).
SEEN_IN = {
    "replies": {
        "partnership",
        "fund",
        "funder",
        "line",
        "deadline",
        "window",
        "event",
        "place",
        "answer",
    },
    "home": {"partnership", "fund", "deadline", "window", "event"},
    "channel": {"partnership", "fund", "deadline", "window", "event", "place"},
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_names_and_answers_come_back_inert_and_escaped_once(
    payload, slack, fake_slack, dispatcher, clock, engine
):
    replies = []

    def officer(command, text):
        replies.append(slack.command(command, text, user=OFFICER))
        assert replies[-1].text and "Something went wrong" not in replies[-1].text
        return replies[-1]

    names = {
        "partnership": f"Spelthorne {payload} LSP",
        "fund": f"Pot {payload}",
        "funder": f"Funder {payload}",
        "line": f"Line {payload}",
        "deadline": f"Bid {payload}",
        "window": f"Window {payload}",
        "event": f"Meet {payload}",
        "place": f"Hall {payload}",
        "answer": f"We meet quarterly {payload}",
    }
    officer("/partnership", f"create {names['partnership']}")
    officer("/partnership", f"role <@{CHAIR}|nick> chair")
    officer("/budget", f'fund "{names["fund"]}" £6,000 from "{names["funder"]}"')
    officer("/budget", f'plan "{names["fund"]}" {names["line"]} £5,600')
    officer("/deadline", f'add "{names["deadline"]}" 5pm 31 July')
    officer("/deadline", f'window "{names["window"]}" from 31 May to 30 September')
    officer("/event", f"add {names['event']} on 12 March 2pm at {names['place']}")
    officer("/deadline", "digest monday 9am")
    officer("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    # The fund's 90% alert, the questionnaire's parent, its intro and question 1.
    fake_slack.wait_for("chat.postMessage", count=4)
    Thread(slack, fake_slack, None, channel=f"D{CHAIR}", skip=1).say(names["answer"])
    with Session(engine) as session:
        assert session.exec(select(AssessAnswer.value)).one() == unescape(names["answer"])

    for command, text in [
        ("/partnership", "show"),
        ("/partnership", "list"),
        ("/budget", ""),
        ("/budget", "lines"),
        ("/budget", "history"),
        ("/deadline", "list"),
        ("/event", "list"),
        ("/assess", "status"),
        ("/assess", "report 1"),
    ]:
        officer(command, text)
    open_home(slack, CHAIR)
    open_home(slack, OFFICER)
    eventually(lambda: len(fake_slack.calls_to("views.publish")) >= 2, what="both Home tabs")
    for local in [(2026, 11, 30, 9, 0), (2027, 3, 5, 14, 0), (2027, 5, 31, 9, 0)]:
        clock.at(*local)  # the digest, the event's week and the window's opening
        dispatcher().run_due()
    clock.at(2027, 7, 17, 17, 0)  # the deadline's fortnight
    dispatcher().run_due()

    for surface, bodies in surfaces(fake_slack, replies).items():
        mrkdwn, plain = shown(bodies)
        for field, sent in names.items():
            stored = unescape(sent)
            if field in SEEN_IN[surface]:
                seen = escape(stored) in mrkdwn or stored in plain
                assert seen, f"{surface}: the {field} is never shown"
            assert stored not in mrkdwn, f"{surface}: the {field} is shown raw in mrkdwn"
            assert escape(escape(stored)) not in mrkdwn, f"{surface}: the {field} escaped twice"
            assert escape(stored) not in plain or stored == escape(stored), (
                f"{surface}: the {field} is escaped in plain_text, where Slack shows entities"
            )
        for hostile in ("<!channel>", "<!everyone>", "<!subteam", "<https://evil"):
            assert hostile not in mrkdwn, f"{surface}: {hostile} is live"
