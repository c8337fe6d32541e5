"""Every reply with blocks has a `text` that says what the blocks say (screen readers
and notifications read only it), and no emoji carries meaning alone: WCAG 2.2 AA.
Checked on every read and change command of a partnership with some of everything."""

import re
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from commands.dispatch import dispatch
from reminders.agenda import agenda_items
from storage.models import Partnership
from tests.helpers import CTX
from tests.slack_checks import message_problems

OFFICER = "U1OFFICER"
SETUP = [
    ("/partnership", "create Spelthorne LSP"),
    ("/budget", 'fund "Pooled fund" £6,000 from "Surrey County Council"'),
    ("/budget", 'plan "Pooled fund" Consultancy £5,500'),
    ("/deadline", 'add "LAA exemplar proposals" 5pm 31 July'),
    ("/deadline", 'window "PtP credit applications" from 31 May to 30 September'),
    ("/event", "add Officers meeting on 12 March 2pm at Woking"),
]
COMMANDS = [
    ("/partnership", ""),
    ("/partnership", "help"),
    ("/partnership", "show"),
    ("/partnership", "list"),
    ("/budget", ""),
    ("/budget", "help"),
    ("/budget", "lines"),
    ("/budget", 'lines "Pooled fund"'),
    ("/budget", "history"),
    ("/budget", "chart"),
    ("/budget", "spend 1 £1,000"),
    ("/deadline", "help"),
    ("/deadline", "list"),
    ("/deadline", "list all"),
    ("/deadline", "show 1"),
    ("/deadline", "digest"),
    ("/event", "help"),
    ("/event", "list"),
    ("/event", "list all"),
    ("/assess", "help"),
    ("/assess", "templates"),
    ("/assess", "template show baseline"),
    ("/assess", "status"),
]
EMOJI = re.compile(r":[a-z0-9_+-]+:")


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", EMOJI.sub(" ", text))


def emoji_alone(text: str) -> list[str]:
    """Lines where an emoji is all there is: its meaning is lost to a screen reader."""
    return [line for line in text.splitlines() if EMOJI.search(line) and not words(line)]


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                found.append(part["text"])
    return found


@pytest.fixture
def ctx(engine):
    ctx = replace(CTX, user_id=OFFICER)
    for command, text in SETUP:
        assert dispatch(engine, ctx, command, text).ok, text
    return ctx


def test_every_reply_with_blocks_says_in_its_text_what_they_show(engine, ctx):
    problems = {}
    for command, text in COMMANDS:
        reply = dispatch(engine, ctx, command, text)
        found = message_problems(reply.text, reply.blocks)
        if reply.blocks and len(words(reply.text)) < 2:
            found.append(f"fallback text {reply.text!r} says nothing")
        for shown in [reply.text, *mrkdwn_texts(reply.blocks)]:
            found += [f"emoji alone: {line!r}" for line in emoji_alone(shown)]
        problems[f"{command} {text}"] = found
    assert {asked: found for asked, found in problems.items() if found} == {}


def test_every_date_says_what_it_is_in_words_not_only_by_its_emoji(engine, ctx):
    with Session(engine) as session:
        partnership = session.exec(select(Partnership)).one()
        items = agenda_items(session, partnership, ctx.now, ctx.tz)
    assert {item.kind for item in items} == {"deadline", "window opening", "event"}
    for item in items:
        said = set(words(item.line))
        assert said & {"due", "opens", "closes", "Event"}, item.line
