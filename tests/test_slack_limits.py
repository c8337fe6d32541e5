"""Shortening text to Slack's limits without breaking what Slack shows: an entity
(`&amp;`), a mention (`<@U…>`, `<#C…>`) or a link (`<https://…|label>`) is kept whole
or left out whole, and the cut says how much more there is."""

import pytest

from commands.reply import header, section
from formatting.slack_limits import HEADER_TEXT, SECTION_TEXT, fit_lines, more_note, truncate
from formatting.slack_text import escape

TOKENS = [
    "&amp;",
    "&lt;",
    "&gt;",
    "<@U0123ABCD>",
    "<#C0123ABCD>",
    "<https://example.org/a|a &amp; b>",
]


def whole_tokens(text: str) -> bool:
    """No token cut: every `&` starts an entity and every `<` has its `>`."""
    for index, char in enumerate(text):
        if char == "&" and not any(text.startswith(t, index) for t in ("&amp;", "&lt;", "&gt;")):
            return False
        if char == "<" and ">" not in text[index:]:
            return False
    return text.count("<") == text.count(">")


def test_text_that_fits_is_untouched():
    assert truncate("a &amp; b", 9) == "a &amp; b"


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("limit", range(30, 90))
def test_no_entity_mention_or_link_is_cut_whatever_the_limit(token, limit):
    text = ("word " + token + " ") * 20
    cut = truncate(text, limit, "type `/deadline list all`")
    assert len(cut) <= limit
    assert whole_tokens(cut), cut
    assert cut.endswith("… type `/deadline list all`")
    assert text.startswith(cut.removesuffix("… type `/deadline list all`"))


def test_the_cut_keeps_as_much_as_fits():
    text = "x" * 100
    assert truncate(text, 50) == "x" * 49 + "…"


def test_a_hostile_name_in_a_section_or_header_stays_whole_entities():
    name = escape("<!channel> & <b>" * 300)
    block = section(f"*{name}*")
    assert len(block["text"]["text"]) <= SECTION_TEXT and whole_tokens(block["text"]["text"])
    title = header(name)["text"]["text"]
    assert len(title) <= HEADER_TEXT and whole_tokens(title)


def test_the_note_says_how_many_more_and_where():
    assert more_note(41, "fund", "type `/budget`") == "…and 41 more funds: type `/budget`"
    assert more_note(1, "partnership") == "…and 1 more partnership"


def test_whole_lines_are_kept_and_the_rest_counted():
    lines = [f"fund {n} &amp; more" for n in range(100)]
    text = fit_lines(lines, 200, lambda n: more_note(n, "fund", "type `/budget`"))
    assert len(text) <= 200
    *kept, note = text.split("\n")
    assert kept == lines[: len(kept)]
    assert note == f"…and {100 - len(kept)} more funds: type `/budget`"
    assert fit_lines(lines[:3], 200, lambda n: "never") == "\n".join(lines[:3])
