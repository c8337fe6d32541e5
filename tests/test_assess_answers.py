"""The answers each kind of question takes, stored normalised or refused with what to
type instead."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.assess.answers import AnswerError, check_answer, describe_answer, how_to_answer
from commands.assess.templates import Question

LABELS = ("Not in place", "Early days", "Working", "Good", "Excellent")

TEXT = Question(title="Operations", prompt="How?", examples=(), kind="text")
RATING = Question(title="Risk", prompt="How well?", examples=(), kind="rating", labels=LABELS)
YESNO = Question(title="Register", prompt="Is there one?", examples=(), kind="yesno")
CHOICE = Question(
    title="Meetings",
    prompt="How often?",
    examples=(),
    kind="choice",
    options=("Monthly", "Quarterly", "Health & wellbeing", "Less  often"),
)
BY_KIND = {"text": TEXT, "rating": RATING, "yesno": YESNO, "choice": CHOICE}


@pytest.mark.parametrize(
    ("question", "reply", "stored"),
    [
        (TEXT, "  We meet monthly.\n", "We meet monthly."),
        (TEXT, "Line one\nline two", "Line one\nline two"),
        (TEXT, "x" * 3000, "x" * 3000),
        (TEXT, "Health &amp; wellbeing &lt;board&gt;", "Health & wellbeing <board>"),
        (TEXT, "&amp;lt;", "&lt;"),
        (RATING, "4", "4"),
        (RATING, " 4 ", "4"),
        (RATING, "4.", "4"),
        (RATING, "4 - good", "4"),
        (RATING, "1", "1"),
        (RATING, "5 — excellent, really", "5"),
        (RATING, "3/5", "3"),
        (YESNO, "yes", "yes"),
        (YESNO, "Y", "yes"),
        (YESNO, "Yeah!", "yes"),
        (YESNO, "yep.", "yes"),
        (YESNO, "No", "no"),
        (YESNO, "n", "no"),
        (YESNO, "NOPE!!", "no"),
        (YESNO, " no. ", "no"),
        (CHOICE, "2", "Quarterly"),
        (CHOICE, "2.", "Quarterly"),
        (CHOICE, "quarterly", "Quarterly"),
        (CHOICE, "  MONTHLY ", "Monthly"),
        (CHOICE, "health &amp; wellbeing", "Health & wellbeing"),
        (CHOICE, "less often", "Less  often"),
        (CHOICE, "4", "Less  often"),
    ],
)
def test_accepted_answers_are_stored_normalised(question, reply, stored):
    assert check_answer(question, reply) == stored


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        (TEXT, ""),
        (TEXT, "   \n "),
        (TEXT, "x" * 3001),
        (TEXT, "&amp;" * 3001),
        (RATING, "7"),
        (RATING, "0"),
        (RATING, "good"),
        (RATING, "45"),
        (RATING, ""),
        (RATING, "4.5"),
        (RATING, "3-4"),
        (RATING, "-4"),
        (YESNO, "maybe"),
        (YESNO, "yes, mostly"),
        (YESNO, "yesterday"),
        (YESNO, ""),
        (CHOICE, "0"),
        (CHOICE, "5"),
        (CHOICE, "Weekly"),
        (CHOICE, "Monthly or quarterly"),
        (CHOICE, ""),
    ],
)
def test_answers_that_do_not_fit_are_refused(question, reply):
    with pytest.raises(AnswerError) as caught:
        check_answer(question, reply)
    assert caught.value.problem and caught.value.fix


def test_a_long_text_answer_is_told_the_limit():
    with pytest.raises(AnswerError) as caught:
        check_answer(TEXT, "x" * 3001)
    assert "3,000" in caught.value.problem


def test_a_refused_rating_lists_each_number_with_its_label():
    with pytest.raises(AnswerError) as caught:
        check_answer(RATING, "good")
    assert "`good`" in caught.value.problem
    assert caught.value.fix == (
        "Reply with a number: 1 Not in place · 2 Early days · 3 Working · 4 Good · 5 Excellent"
    )


def test_refused_answers_are_escaped_for_slack():
    with pytest.raises(AnswerError) as caught:
        check_answer(CHOICE, "&lt;!channel&gt;")
    assert "<!channel>" not in caught.value.problem + caught.value.fix
    assert "&lt;!channel&gt;" in caught.value.problem
    assert "Health &amp; wellbeing" in caught.value.fix


def test_describe_answer_reads_ratings_with_their_label():
    assert describe_answer(RATING, "4") == "4 — Good"
    assert describe_answer(RATING, "1") == "1 — Not in place"
    assert describe_answer(RATING, "9") == "9"  # stored before the template changed
    assert describe_answer(TEXT, "We meet monthly.") == "We meet monthly."
    assert describe_answer(YESNO, "yes") == "yes"
    assert describe_answer(CHOICE, "Health & wellbeing") == "Health & wellbeing"


def test_how_to_answer_each_kind():
    assert how_to_answer(TEXT) == "Reply with your answer."
    assert how_to_answer(YESNO) == "Reply yes or no."
    assert how_to_answer(RATING).startswith("Reply with a number: 1 Not in place · 2 Early days")
    assert how_to_answer(CHOICE) == (
        "Reply with the number or the name of one option: "
        "1 Monthly · 2 Quarterly · 3 Health & wellbeing · 4 Less  often"
    )


@pytest.mark.parametrize("question", BY_KIND.values(), ids=BY_KIND)
def test_optional_questions_say_they_can_be_skipped(question):
    optional = Question(**{**question.__dict__, "optional": True})
    assert "skip" not in how_to_answer(question)
    line = how_to_answer(optional)
    assert line.startswith(how_to_answer(question)) and line.endswith(" Or `skip`.")
    assert ". Or" in line


@settings(max_examples=200)
@given(st.sampled_from(sorted(BY_KIND)), st.text())
def test_arbitrary_replies_are_stored_or_refused(kind, reply):
    question = BY_KIND[kind]
    try:
        value = check_answer(question, reply)
    except AnswerError as error:
        assert error.problem and error.fix is not None
    else:
        assert value == value.strip() and value
        assert check_answer(question, value.replace("&", "&amp;")) == value
        assert describe_answer(question, value)
