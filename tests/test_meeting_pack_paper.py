"""The meeting pack's paper itself, on both databases: the seed partnerships' papers
read like theirs, a hostile name stays text when the canvas markdown is read as
CommonMark, and no questionnaire answer is ever in it."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt

from bot.config import load_settings
from bot.demo import demo_script
from bot.shell import LOCAL_TEAM, Shell, local_id
from commands.assess.threads import thread_reply
from commands.context import Context
from commands.dispatch import dispatch
from formatting.canvas_markdown import escape_canvas, line_safe
from tests.helpers import BASELINE_ANSWERS, CHAIR, CTX, started_run

# Read as Slack's canvases read it: CommonMark with tables and strikethrough.
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# The papers were written in the months before their meetings: the seed dates
# (Spelthorne's team day in October, Surrey's 12 November meeting) are then ahead.
AUTUMN = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def paper(engine, ctx: Context) -> str:
    reply = dispatch(engine, ctx, "/partnership", "pack")
    assert reply.ok and reply.canvas is not None, reply.text
    return reply.canvas.markdown


@pytest.fixture
def seeds(engine):
    """The demo's partnerships, typed as in bot/demo_script.txt on 1 October 2026."""
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"})
    shell = Shell(engine, settings, lambda: AUTUMN)
    assert shell.run_script(demo_script()) == []

    def pack_of(channel: str) -> str:
        user, here = local_id("U", "joy.willshire"), local_id("C", channel)
        ctx = Context(LOCAL_TEAM, user, here, AUTUMN, settings.tz)
        return paper(engine, ctx)

    return pack_of


def test_spelthornes_paper_reads_like_its_lsp_executive_paper(seeds):
    text = seeds("spelthorne-lsp")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Spelthorne LSP: meeting pack",
        "## Background",
        "## Main issues",
        "### Budget position",
        "### Deadlines, funding windows and events: the next eight weeks",
        "### Questionnaires",
        "## Decisions needed",
    ]
    assert "- Chair: ![](@UNICKDUNKLEY)" in text
    assert "- Officers: ![](@UBRIANHARRIS) and ![](@UJOYWILLSHIRE)" in text
    assert (
        "Financial year 2026/27 (1 Apr 2026 to 31 Mar 2027), which closes Wed 31 Mar 2027, "
        "17:00 BST (in 181 days)"
    ) in text
    assert "| PtP credit | £6,000 | £1,300 | £0 | £4,700 |" in text
    assert (
        "- **LSP team day** (event): Wed 14 Oct 2026, 10:00 BST (in 13 days) "
        "at Spelthorne Borough Council"
    ) in text
    assert "Developing a partnership response to the recession** (event): Wed 7 Oct" in text
    assert (
        "| baseline 1 | ![](@UNICKDUNKLEY) | not submitted (being answered), due Thu 12 Nov 2026"
        in text
    )
    assert "0 of 1 submitted" in text
    assert (
        "1. decide how to use the £4,700 of **PtP credit** not yet committed (and £1,300 "
        "committed but not yet spent): the financial year closes Wed 31 Mar 2027"
    ) in text
    assert "pulling its weight" not in text  # the chair's confidential answer
    assert "Thematic groups" not in text  # nor any other


def test_the_surrey_clusters_paper_is_for_its_officers_meeting(seeds):
    text = seeds("surrey-lsp-officers")
    assert "For Surrey LSP Officers meeting: baseline presentations, Thu 12 Nov 2026" in text
    assert "| Pooled fund | £11,650 | £11,650 | £0 | £0 |" in text
    assert "| PtP central fund | £1,500 | £1,500 | £0 | £0 |" in text
    assert (
        "| **All funds** (19 days planned) | **£13,150** | **£13,150** | **£0** | **£0** |" in text
    )
    assert "- **Pooled fund**: nothing left" in text
    assert (
        "- **Baseline self-assessments circulated** (deadline): due Thu 5 Nov 2026, 17:00 GMT "
        "(in 35 days)"
    ) in text
    assert "Nothing in partnerbot's records calls for a decision." in text


HOSTILE_NAME = "<!channel> *Spelthorne* _LSP_ ![](@U999) [click](https://evil.example)"
HOSTILE_FUND = "# Fund | ![](#C999) **x** <b>&amp;"
HOSTILE_TITLE = "- [x](https://evil.example) `code` ~~gone~~"


def test_a_hostile_name_is_text_in_the_canvas_and_cannot_ping_link_or_format(engine):
    def run(command: str, text: str) -> None:
        as_slack_sends = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert dispatch(engine, CTX, command, as_slack_sends).ok

    run("/partnership", f"create {HOSTILE_NAME}")
    run("/budget", f'fund "{HOSTILE_FUND}" £6,000 from "South East Employers"')
    run("/deadline", f'add "{HOSTILE_TITLE}" 5pm 18 December')
    run("/event", 'add "Team day" 10 December 10am at <https://evil.example|click>')
    tokens = COMMONMARK.parse(paper(engine, CTX))
    inline = [child for token in tokens for child in token.children or ()]
    # No markup from the names (the paper's own bold is strong_open): a name turned into
    # markup would also no longer be found whole among the text below.
    markup = ("html", "link", "code", "em", "s_open", "fence", "blockquote", "hr")
    assert not [t for t in tokens + inline if t.type.startswith(markup)]
    images = {t.attrs["src"] for t in inline if t.type == "image"}
    assert images == {"@U1", "#C1"}  # only the mentions the bot wrote: the officer, the channel
    text = " ".join(t.content for t in inline if t.type == "text")
    for name in (HOSTILE_NAME, HOSTILE_FUND, HOSTILE_TITLE, "<https://evil.example|click>"):
        assert name in text, name
    headings = [
        "".join(child.content for child in tokens[i + 1].children or ())
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    assert headings[0] == f"{HOSTILE_NAME}: meeting pack"
    assert not any(h.startswith("Fund") for h in headings)


@pytest.mark.parametrize(
    "typed",
    ["- a list", "1. a list", "12) a list", "+ x", "= x", "> quote", "# heading", "***", "|a|b|"],
)
def test_a_line_that_begins_with_markup_stays_a_paragraph(typed):
    (opening, inline, _) = COMMONMARK.parse(line_safe(escape_canvas(typed)))
    assert opening.type == "paragraph_open" and inline.children[0].content == typed


def test_no_answer_is_ever_in_the_pack_only_who_has_submitted(engine):
    template = started_run(engine)
    for n, answer in enumerate(BASELINE_ANSWERS):
        message = replace(template, message_ts=f"1800000000.{n:06d}", user_id=CHAIR, text=answer)
        thread_reply(engine, message)
    thread_reply(
        engine, replace(template, message_ts="1800000000.000099", user_id=CHAIR, text="submit")
    )
    text = paper(engine, CTX)
    assert f"| baseline 1 | ![](@{CHAIR}) | submitted Tue 24 Nov 2026 |" in text
    assert "1 of 1 submitted" in text
    for answer in BASELINE_ANSWERS:
        assert answer[:30] not in text


def test_decisions_name_overcommitment_money_a_window_would_lose_and_overdue_questionnaires(
    engine,
):
    started_run(engine)  # the chair's baseline, due 12 December: overdue a month later
    later = replace(CTX, now=datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    for command, text in [
        ("/budget", 'fund "PtP credit" £6,000 from "South East Employers"'),
        ("/budget", 'plan "PtP credit" Facilitator for the team day 2 days @ £650'),
        ("/budget", "fund Pooled fund £1,000"),
        ("/budget", 'plan "Pooled fund" Venue £1,250 --allow-overcommit'),
        ("/deadline", 'window "PtP credit applications" from 1 December to 29 January'),
    ]:
        assert dispatch(engine, CTX, command, text).ok, text
    text = paper(engine, later)
    assert (
        "1. agree how to meet the £250 by which **Pooled fund** is overcommitted, "
        "or which planned lines to cancel"
    ) in text
    assert (
        "2. decide how to use the £4,700 of **PtP credit** not yet committed (and £1,300 "
        "committed but not yet spent): the window PtP credit applications closes "
        "Fri 29 Jan 2027, 17:00 GMT (in 25 days)"
    ) in text
    assert (
        f"3. ask for baseline 1 from ![](@{CHAIR}), due Sat 12 Dec 2026, 17:00 GMT "
        "(23 days ago) and not yet submitted"
    ) in text
    assert "- **Pooled fund**: overcommitted by £250" in text
    assert "**PtP credit applications** (funding window): open now, closes Fri 29 Jan 2027" in text
