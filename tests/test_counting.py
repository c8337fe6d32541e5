"""Counts in words (formatting.counting): one helper for every "1 deadline, 2 deadlines"."""

import pytest

from formatting.counting import counted, noun_for
from formatting.slack_limits import more_note


@pytest.mark.parametrize(
    "n, words",
    [(0, "0 deadlines"), (1, "1 deadline"), (2, "2 deadlines"), (1000, "1,000 deadlines")],
)
def test_counted_says_the_number_with_separators_and_the_noun_as_it_takes_it(n, words):
    assert counted(n, "deadline") == words


def test_an_irregular_plural_is_named():
    assert counted(1, "person", "people") == "1 person"
    assert counted(3, "person", "people") == "3 people"
    assert noun_for(2, "window opening") == "window openings"


def test_a_more_note_counts_the_same_way():
    assert more_note(1, "fund") == "…and 1 more fund"
    assert more_note(1_000, "fund", "type `/budget`") == "…and 1,000 more funds: type `/budget`"
    assert more_note(2, "questionnaire for you", plural="questionnaires for you") == (
        "…and 2 more questionnaires for you"
    )
