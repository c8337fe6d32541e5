"""`/partnership pack` through signed slash commands into the real app, on both
databases: the channel's canvas created, then edited; its figures and dates exactly
those of `/budget`, `/deadline list` and `/event list`; a Word file where Slack has no
canvases; Slack's rate limit said plainly."""

import io
import re

import docx
import pytest
from sqlmodel import Session, select

from storage.upkeep_tables import ChannelCanvas

OFFICER, MEMBER, CHAIR = "U1OFFICER", "U2MEMBER", "U3CHAIR"


@pytest.fixture
def surrey(slack):
    """A partnership in C1 with a chair and a member, two funds (one nearly spent),
    planned lines, a deadline, a window and an event in the next eight weeks."""
    typed = [
        ("/partnership", "create Surrey LSP cluster"),
        ("/partnership", f"role <@{MEMBER}|member> member"),
        ("/partnership", f"role <@{CHAIR}|chair> chair"),
        ("/budget", "fund Pooled fund"),
        *[("/budget", f'contribute "Pooled fund" £1,000 from "Surrey LSP {n}"') for n in range(12)],
        ("/budget", 'fund "PtP central fund" £1,500 from "South East Employers"'),
        # Last year's money: neither /budget nor the pack counts it in this year.
        ("/budget", 'fund "PtP central fund" £2,000 from "South East Employers" for 2025/26'),
        ("/budget", '"Pooled fund" x'),  # a typo: refused, changes nothing
        ("/budget", 'plan "Pooled fund" Design workshop 2 days @ £650 stage 1'),
        ("/budget", 'plan "Pooled fund" Venue and facilitation £10,350.50 stage 3'),
        ("/budget", 'plan "PtP central fund" Associates 4 days @ £250 stage 2'),
        ("/budget", "spend 1 £1,300.50"),
        ("/deadline", "add Baseline self-assessments circulated by 18 December"),
        ("/deadline", 'window "PtP credit applications" from 1 December to 31 March'),
        ("/deadline", 'add "LAA exemplar proposals" 5pm 31 July'),  # beyond eight weeks
        ("/event", 'add "Surrey LSP Officers meeting" on 12 January 10am at Woking'),
    ]
    for command, text in typed:
        slack.command(command, text, user=OFFICER)
    return slack


def pack(slack, fake_slack, count: int = 1, user: str = OFFICER) -> str:
    """Type `/partnership pack`; the follow-up that says what was written."""
    reply = slack.command("/partnership", "pack", user=user)
    assert "meeting pack" in reply.text and not reply.public, reply.text
    return fake_slack.wait_for("response_url", count=count)[-1].body["text"]


def test_the_first_pack_creates_the_channels_canvas_and_the_next_edits_it(
    surrey, fake_slack, engine
):
    said = pack(surrey, fake_slack)
    (create,) = fake_slack.calls_to("conversations.canvases.create")
    assert create.body["channel_id"] == "C1"
    assert create.body["document_content"]["type"] == "markdown"
    canvas_id = create.response["canvas_id"]
    assert "is written as this channel's canvas" in said
    assert f"<https://test.slack.com/docs/T1/{canvas_id}|Surrey LSP cluster: meeting pack>" in said
    first = fake_slack.canvases.in_channel("C1")["markdown"]
    assert "| Pooled fund | £12,000 | £10,350.50 | £1,300.50 | £349 |" in first

    surrey.command("/budget", "spend 3 £1,000", user=OFFICER)
    said = pack(surrey, fake_slack, count=2)
    assert "brought up to date" in said and canvas_id in said
    assert len(fake_slack.calls_to("conversations.canvases.create")) == 1  # edited, not made
    (edit,) = fake_slack.calls_to("canvases.edit")
    assert edit.body["canvas_id"] == canvas_id
    (change,) = edit.body["changes"]
    assert change["operation"] == "replace" and "section_id" not in change
    assert (
        "| PtP central fund | £1,500 | £0 | £1,000 | £500 |"
        in change["document_content"]["markdown"]
    )
    with Session(engine) as session:
        (kept,) = session.exec(select(ChannelCanvas)).all()
    assert (kept.team_id, kept.channel_id, kept.canvas_id) == ("T1", "C1", canvas_id)


def test_a_canvas_deleted_in_slack_is_written_again(surrey, fake_slack):
    pack(surrey, fake_slack)
    fake_slack.canvases.delete("C1")
    said = pack(surrey, fake_slack, count=2)
    assert "is written as this channel's canvas" in said
    assert len(fake_slack.calls_to("conversations.canvases.create")) == 2
    assert fake_slack.canvases.in_channel("C1") is not None


def test_the_packs_figures_and_dates_are_exactly_those_of_budget_and_deadline_list(
    surrey, fake_slack
):
    pack(surrey, fake_slack)
    paper = fake_slack.canvases.in_channel("C1")["markdown"]
    budget = surrey.command("/budget", "", user=MEMBER).body["blocks"]
    funds = {
        block["text"]["text"].split("*")[1]: [f["text"].split("\n")[1] for f in block["fields"]]
        for block in budget
        if "fields" in block
    }
    assert set(funds) == {"Pooled fund", "PtP central fund"}
    assert funds["PtP central fund"][0] == "£1,500"  # not last year's £2,000 as well
    assert "Financial year 2026/27 (1 Apr 2026 to 31 Mar 2027), which closes" in paper
    for name, (total, committed, spent, remaining) in funds.items():
        assert f"| {name} | {total} | {committed} | {spent} | {remaining} |" in paper
    totals = re.search(
        r"All funds:\* (\S+) in, (\S+) committed, (\S+) spent, (\S+) remaining", str(budget)
    )
    assert "| **" + "** | **".join(totals.groups()) + "** |" in paper

    listed = surrey.command("/deadline", "list", user=MEMBER).everything
    shown = re.findall(r"— ([^\\\"]+?)(?:\\n|\")", listed)
    soon, later = shown[:2], shown[2:]
    assert soon[0].startswith("opens ") and "closes " in soon[0]  # the window
    assert len(later) == 1  # the July proposals, beyond eight weeks
    for words in soon:
        assert words in paper
    assert later[0] not in paper
    events = surrey.command("/event", "list", user=MEMBER).everything
    (when,) = re.findall(r"— ([^\\\"]+?)(?:\\n|\")", events)
    assert when in paper and "at Woking" in when


def test_only_officers_write_the_pack(surrey, fake_slack):
    reply = surrey.command("/partnership", "pack", user=MEMBER)
    assert "Only officers of *Surrey LSP cluster* can write its meeting pack" in reply.text
    assert f"<@{OFFICER}>" in reply.text and not reply.public
    reply = surrey.command("/partnership", "pack now please", user=OFFICER)
    assert "takes nothing after it" in reply.text and "`/partnership pack`" in reply.text
    fake_slack.drained()
    assert not fake_slack.calls_to("conversations.canvases.create")


def test_where_slack_has_no_canvases_the_same_paper_is_posted_as_a_word_file(surrey, fake_slack):
    fake_slack.refuse_canvases("team_tier_cannot_create_channel_canvases")
    fake_slack.people |= {OFFICER: "Joy Willshire", CHAIR: "Nick Dunkley"}
    said = pack(surrey, fake_slack)
    assert "Word file" in said and "surrey-lsp-cluster-meeting-pack.docx" in said
    assert "team_tier_cannot_create_channel_canvases" in said
    upload = fake_slack.wait_for("upload")[-1]
    document = docx.Document(io.BytesIO(upload.body["content"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Surrey LSP cluster: meeting pack" in text
    assert "Chair: Nick Dunkley" in text and "Joy Willshire" in text
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Pooled fund", "£12,000", "£10,350.50", "£1,300.50", "£349"] in rows
    assert "Decisions needed" in text
    (complete,) = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C1"


def test_slacks_rate_limit_is_said_plainly_and_nothing_else_is_tried(surrey, fake_slack, engine):
    # The bot's client waits out Retry-After twice (bot.slack_api), then gives up.
    fake_slack.refuse_canvases("ratelimited", status=429, headers={"Retry-After": "2"})
    said = pack(surrey, fake_slack)
    assert "about 20 canvas changes a minute" in said and "again in 2 seconds" in said
    fake_slack.drained()
    assert not fake_slack.calls_to("files.getUploadURLExternal")
    with Session(engine) as session:
        assert session.exec(select(ChannelCanvas)).all() == []


def test_the_pack_is_in_partnership_help(slack):
    assert "`/partnership pack`" in slack.command("/partnership", "help").text


def test_a_plan_waiting_for_sign_off_is_a_decision_the_pack_asks_for(surrey, fake_slack):
    surrey.command("/budget", "approvals over £1,000", user=OFFICER)
    surrey.command(
        "/budget", 'plan "Pooled fund" Evaluation £1,200 stage 4 --allow-overcommit', user=OFFICER
    )
    pack(surrey, fake_slack)
    (create,) = fake_slack.calls_to("conversations.canvases.create")
    paper = create.body["document_content"]["markdown"]
    decisions = paper.split("Decisions needed", 1)[1]
    assert "approve or reject request 1: £1,200 planned on line 4, Evaluation, of" in decisions
    assert "**Pooled fund**" in decisions
    surrey.command("/budget", "approve 1", user=CHAIR)
    pack(surrey, fake_slack, count=2)
    (edit,) = fake_slack.calls_to("canvases.edit")
    assert "approve or reject" not in str(edit.body["changes"])
