"""`/budget chart`: a PNG of each fund's spent, committed and left, uploaded to the
channel; checked as a PNG of the expected size that says how many funds it draws. It
is drawn in a process of its own, after the ack."""

import struct
import sys
import zlib

import pytest

from bot.shell import Shell
from commands.budget import budget_chart as drawing
from commands.budget.budget_chart import Bar, chart_size, segments
from tests.helpers import NOW

OFFICER = "U1OFFICER"


def png_facts(data: bytes) -> tuple[int, int, dict[str, str]]:
    """(width, height, text chunks) of a PNG, reading its chunks as the spec lays out."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, texts, size = 8, {}, None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode()] = value.decode("latin-1")
        offset += 12 + length
    assert kind == b"IEND"
    return *size, texts


@pytest.fixture
def officer(slack):
    def run(text: str):
        return slack.command("/budget", text, user=OFFICER)

    assert slack.command("/partnership", "create Surrey LSP cluster", user=OFFICER).public
    return run


def test_the_chart_is_a_png_with_a_bar_per_fund(officer, fake_slack):
    assert officer('fund "Pooled fund" £11,650').public
    assert officer('fund "PtP central fund" £1,500').public
    # Over ten times the £13,150 already held: recorded only when confirmed.
    assert officer('fund "Calderdale pooled budget" £147k --confirm').public
    assert officer('plan "Pooled fund" Design workshop £12,000 --allow-overcommit').public
    reply = officer("chart")
    assert "Posting the budget chart of *Surrey LSP cluster*" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    (complete,) = fake_slack.wait_for("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C1"
    width, height, texts = png_facts(upload.body["content"])
    assert (width, height) == chart_size(3)
    assert texts["Description"] == "3 funds"
    assert width >= 800  # wide enough to read on a phone held sideways, short labels
    assert "matplotlib" not in sys.modules  # 45 MB the bot would keep for good


def test_a_chart_that_cannot_be_drawn_is_said_and_nothing_is_posted(
    officer, fake_slack, monkeypatch
):
    assert officer('fund "Pooled fund" £11,650').public
    monkeypatch.setattr(drawing, "DRAWING_TIME", 0.001)  # the drawing process runs out of time
    assert "Posting the budget chart" in officer("chart").text
    (note,) = fake_slack.wait_for("response_url")
    assert note.body["text"] == (
        ":warning: I couldn't post *budget-surrey-lsp-cluster.png*; please try again."
    )
    assert note.body["response_type"] == "ephemeral"
    assert fake_slack.calls_to("files.getUploadURLExternal") == []


def test_a_fund_named_like_a_formula_is_drawn_as_written(officer, fake_slack):
    assert officer('fund "Pot $x^{$ two" £1,500').public  # matplotlib would typeset $…$
    assert "Posting the budget chart" in officer("chart").text
    (upload,) = fake_slack.wait_for("upload")
    assert png_facts(upload.body["content"])[2]["Description"] == "1 fund"


def test_the_shell_says_so_too_when_a_chart_cannot_be_drawn(engine, settings, monkeypatch):
    shell = Shell(engine, settings, lambda: NOW)
    shell.execute("/partnership create Surrey LSP cluster")
    shell.execute('/budget fund "Pooled fund" £11,650')
    monkeypatch.setattr(drawing, "DRAWING_TIME", 0.001)
    shown = shell.execute("/budget chart")
    assert "Posting the budget chart" in shown
    assert "I couldn't post *budget-surrey-lsp-cluster.png*; please try again." in shown


def test_no_funds_no_chart(officer, fake_slack):
    reply = officer("chart")
    assert "There are no funds yet" in reply.text
    assert fake_slack.calls_to("files.getUploadURLExternal") == []


@pytest.mark.parametrize(
    "total, committed, spent, parts",
    [
        (6000, 5600, 0, {"Spent": 0, "Committed": 5600, "Left": 400, "Overcommitted": 0}),
        (11650, 9000, 3000, {"Spent": 3000, "Committed": 8650, "Left": 0, "Overcommitted": 350}),
        (1000, 0, 1500, {"Spent": 1000, "Committed": 0, "Left": 0, "Overcommitted": 500}),
        (0, 200, 0, {"Spent": 0, "Committed": 0, "Left": 0, "Overcommitted": 200}),
    ],
)
def test_a_bar_is_spent_then_committed_then_left_and_the_rest_is_over(
    total, committed, spent, parts
):
    assert segments(Bar("F", total, committed, spent)) == parts
    within = parts["Spent"] + parts["Committed"] + parts["Left"]
    assert within == max(total, 0)


def test_the_chart_comes_with_its_figures_as_a_table_and_as_alt_text(officer, fake_slack):
    assert officer('fund "Pooled fund" £11,650').public
    assert officer('fund "Ed & <b>Skills</b>" £1,500').public
    assert officer('plan "Pooled fund" Design workshop £12,000 --allow-overcommit').public
    assert "with its figures as a table" in officer("chart").text
    (complete,) = fake_slack.wait_for("files.completeUploadExternal")
    table = complete.body["initial_comment"]
    assert table.startswith(
        "*Budget of Surrey LSP cluster, 2026/27*: the figures in the chart\n```"
    )
    rows = table.split("```")[1].splitlines()
    assert rows[0].split() == ["Fund", "Total", "Committed", "Spent", "Left"]
    assert rows[1].split() == ["Pooled", "fund", "£11,650", "£12,000", "£0", "-£350"]
    assert rows[2].startswith("Ed &amp; &lt;b&gt;Skills&lt;/b&gt;")  # inert, as typed
    (asked,) = fake_slack.calls_to("files.getUploadURLExternal")
    alt = asked.body["alt_txt"]
    assert alt.startswith("Bar chart, Budget of Surrey LSP cluster, 2026/27: 2 funds")
    assert (
        "Pooled fund: £11,650 total, £12,000 committed, £0 spent, -£350 left (overcommitted)."
        in alt
    )
