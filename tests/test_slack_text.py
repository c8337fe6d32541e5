"""Slack's text format, in and out."""

import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from commands.dispatch import dispatch
from formatting.slack_text import (
    escape,
    find_user_mentions,
    plain_words,
    split_first,
    strip_quotes,
    unescape,
    without_control,
)
from storage.partnerships import name_key
from tests.helpers import CTX
from tests.slack_checks import shown


@given(st.text())
def test_escaped_text_holds_no_control_characters_and_round_trips(text):
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    # As it comes back when copied into a command: the zero-width spaces are dropped.
    assert without_control(unescape(escaped)) == without_control(text)


# Slack formats with `*`, `_`, `~` and a backtick only at the edge of a word: one with
# a letter, digit or other word-like character on the inside and white space or
# punctuation (or nothing) on the outside. A zero-width space is neither.
_EDGE = re.compile(r"(?:^|(?<=[\s.,;:!?()\[\]\"']))[*_~`]|[*_~`](?=$|[\s.,;:!?()\[\]\"'])")


@given(st.text(alphabet=st.sampled_from("ab *_~`.,!() \n")))
def test_a_names_own_formatting_characters_never_stand_at_a_words_edge(text):
    assert _EDGE.findall(escape(text)) == []
    assert without_control(escape(text)) == escape(text).replace("\u200b", "")


def test_formatting_characters_are_kept_and_only_guarded_at_a_words_edge():
    assert escape("*Spelthorne* _LSP_ ~old~ `x`").replace("\u200b", "") == (
        "*Spelthorne* _LSP_ ~old~ `x`"
    )
    assert escape("*Spelthorne*") == "\u200b*\u200bSpelthorne\u200b*\u200b"
    assert escape("snake_case_name and a*b") == "snake_case_name and a*b"  # mid-word: inert


def test_broadcasts_and_links_become_inert():
    assert escape("<!channel> & <https://evil.example|bank>") == (
        "&lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt;"
    )


def test_slack_entities_are_decoded_once():
    # A user who literally typed "&lt;" arrives as "&amp;lt;" and must stay "&lt;".
    assert unescape("&amp;lt; &lt;b&gt;") == "&lt; <b>"


def test_user_mentions_with_and_without_labels():
    text = "role <@U123ABC|amy> chair and <@W9> and <!channel> and <#C1|general>"
    assert find_user_mentions(text) == ["U123ABC", "W9"]


def test_plain_at_name_is_not_a_mention():
    assert find_user_mentions("role @amy chair") == []


def test_strip_quotes_straight_and_curly():
    assert strip_quotes('"Spelthorne LSP"') == "Spelthorne LSP"
    assert strip_quotes("“Spelthorne LSP”") == "Spelthorne LSP"
    assert strip_quotes("‘Spelthorne’") == "Spelthorne"
    assert strip_quotes('Spelthorne "Executive"') == 'Spelthorne "Executive"'


def test_split_first_and_plain_words():
    assert split_first("  create   Spelthorne  LSP ") == ("create", "Spelthorne  LSP")
    assert split_first("") == ("", "")
    assert plain_words("Tom &amp; Jerry\nLSP") == "Tom & Jerry LSP"


def test_name_key_folds_case_space_width_and_quotes():
    assert name_key("  Spelthorne   LSP ") == name_key("spelthorne lsp")
    assert name_key("St Mary’s") == name_key("st mary's")
    assert name_key("ＬＳＰ") == name_key("lsp")
    assert name_key("Spelthorne") != name_key("Spelthorne LSP")


def test_whole_numbers_are_ascii_digits_only():
    from formatting.slack_text import whole_number

    assert [whole_number(t) for t in ["3", "#3", "# 12", " 7 "]] == [3, 3, 12, 7]
    # '¹'.isdigit() is True in Python, yet int('¹') raises: such text is not a number here.
    assert [whole_number(t) for t in ["¹", "٣", "3.5", "-3", "", "1234567890", "three"]] == [
        None
    ] * 7


def test_a_title_full_of_formatting_characters_is_listed_as_typed(engine):
    ctx = replace(CTX, user_id="U1OFFICER")
    assert dispatch(engine, ctx, "/partnership", "create Spelthorne LSP").ok
    assert dispatch(engine, ctx, "/deadline", 'add "*Urgent* _draft_ ~v2~" 5pm 3 December').ok
    reply = dispatch(engine, ctx, "/deadline", "list")
    # The list's own bold still opens and closes; the title's characters are inert.
    guarded = "\u200b*\u200bUrgent\u200b*\u200b \u200b_\u200bdraft\u200b_\u200b \u200b~\u200bv2\u200b~\u200b"
    assert f"*{guarded}*" in shown(reply.blocks)
