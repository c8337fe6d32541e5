"""Replies stay inside Slack's limits whatever they hold."""

from hypothesis import given
from hypothesis import strategies as st

from commands.reply import MAX_SECTION_TEXT, line_sections


def _texts(blocks):
    return [
        b["text"]["text"] if b["type"] == "section" else b["elements"][0]["text"] for b in blocks
    ]


@given(st.lists(st.text(min_size=0, max_size=5000), max_size=300), st.integers(2, 50))
def test_sections_never_exceed_slack_limits(lines, max_blocks):
    blocks = line_sections(lines, max_blocks=max_blocks)
    assert len(blocks) <= max_blocks
    assert all(len(text) <= MAX_SECTION_TEXT for text in _texts(blocks))


def test_every_line_is_shown_or_counted():
    lines = [f"line {i:04d} " + "x" * 90 for i in range(2000)]
    blocks = line_sections(lines, max_blocks=10)
    shown = sum(text.count("line ") for text in _texts(blocks[:-1]))
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"] == f"…and {len(lines) - shown:,} more"


def test_short_lists_fit_in_one_section():
    blocks = line_sections(["a", "b", "c"], max_blocks=5)
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "a\nb\nc"}}]
