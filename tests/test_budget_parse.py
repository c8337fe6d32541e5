"""Reading /budget arguments: quoting, fund matching, cost clauses and options."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.budget.budget_numbers import parse_line_number
from commands.budget.budget_parse import (
    ParseError,
    Token,
    find_cost,
    joined,
    match_fund,
    parse_options,
    tokenize,
)
from formatting.slack_text import take_flag

FUNDS = ["Pooled fund", "PtP central fund", "Pooled"]


def test_quotes_of_every_kind_make_one_token():
    assert tokenize('"PtP credit" £6,000 from “South East Employers”') == [
        Token("PtP credit", True),
        Token("£6,000"),
        Token("from"),
        Token("South East Employers", True),
    ]
    assert tokenize("Mary's fund") == [Token("Mary's"), Token("fund")]
    assert tokenize("‘Pooled fund’ 5") == [Token("Pooled fund", True), Token("5")]


def test_text_is_never_rewritten_but_split_amounts_are_joined():
    assert tokenize("finance@surreycc.gov.uk 3×A4 2days") == [
        Token("finance@surreycc.gov.uk"),
        Token("3×A4"),
        Token("2days"),
    ]
    assert tokenize('"LSP pooled budget" £ 5,000 from x') == [
        Token("LSP pooled budget", True),
        Token("£ 5,000"),
        Token("from"),
        Token("x"),
    ]
    assert tokenize("Venue 500 pounds")[-1] == Token("500 pounds")


def test_slack_entities_are_decoded_before_reading():
    assert joined(tokenize("Tom &amp; Jerry &lt;b&gt;")) == "Tom & Jerry <b>"


def test_longest_known_fund_name_wins():
    fund, rest = match_fund(tokenize("pooled FUND Venue £2,000"), FUNDS)
    assert (fund, joined(rest)) == ("Pooled fund", "Venue £2,000")
    fund, rest = match_fund(tokenize("Pooled Venue £2,000"), FUNDS)
    assert (fund, joined(rest)) == ("Pooled", "Venue £2,000")
    assert match_fund(tokenize("Poold Venue £5"), FUNDS)[0] == "Poold"  # refused later


@pytest.mark.parametrize(
    "text, description, planned, days, rate, options",
    [
        ("Venue and refreshments £2,000", "Venue and refreshments", 200_000, None, None, {}),
        (
            "Stage 2 - 1/2 day workshop 1 day @ £650 stage 2 who Lead Facilitator",
            "Stage 2 - 1/2 day workshop",
            65_000,
            100,
            65_000,
            {"stage": "2", "who": "Lead Facilitator"},
        ),
        ("Design 3days@£650", "Design", 195_000, 300, 65_000, {}),
        (
            "Workshop 4 days x 250 who Practitioner Associates x 4.",
            "Workshop",
            100_000,
            400,
            25_000,
            {"who": "Practitioner Associates x 4."},
        ),
        ("Phase 2 review 0.5 days at £650.50", "Phase 2 review", 32_525, 50, 65_050, {}),
        (
            '"Report for 2 tier areas" 2 days @ £750 who "External Consultant" stage 3',
            "Report for 2 tier areas",
            150_000,
            200,
            75_000,
            {"who": "External Consultant", "stage": "3"},
        ),
    ],
)
def test_cost_clauses(text, description, planned, days, rate, options):
    tokens = tokenize(text)
    start, end, cost = find_cost(tokens)
    assert joined(tokens[:start]) == description
    assert (cost.planned, cost.days_hundredths, cost.day_rate) == (planned, days, rate)
    assert parse_options(tokens[end:]) == options


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Venue £abc", "`£abc` is not an amount"),
        ("Venue", "couldn't find the cost"),
        ("Venue 0 days @ £650", "is not a number of days"),
        ("Venue -1 days @ £650", "is not a number of days"),
        ("Venue 1.555 days @ £650", "too precise"),
        ("Venue 2 days @ £0", "is zero"),
        ("Venue £5 stage", "needs a name"),
        ("Venue £5 stage 1 stage 2", "needs a name after it, once"),
    ],
)
def test_malformed_plans_say_what_was_wrong(text, problem):
    with pytest.raises(ParseError, match=problem):
        tokens = tokenize(text)
        _, end, _ = find_cost(tokens)
        parse_options(tokens[end:])


def test_overcommit_flag_survives_autocorrect():
    for typed in [
        "Venue £5 --allow-overcommit",
        "Venue £5 —allow-overcommit",
        "Venue £5 –Allow-Overcommit",
    ]:
        text, allowed = take_flag(typed, "allow-overcommit")
        assert allowed and joined(tokenize(text)) == "Venue £5"
    assert take_flag("Venue £5", "allow-overcommit")[1] is False


@pytest.mark.parametrize("text, number", [("3", 3), ("#3", 3), ("line 12", 12), (" # 7 ", 7)])
def test_line_numbers(text, number):
    assert parse_line_number(text) == number


@pytest.mark.parametrize("text", ["", "three", "3.5", "-3", "1234567890"])
def test_bad_line_numbers(text):
    with pytest.raises(ParseError, match="is not a line number"):
        parse_line_number(text)


@given(st.text(max_size=200))
def test_any_text_tokenizes_and_any_cost_search_ends_cleanly(text):
    tokens = tokenize(text)
    try:
        find_cost(tokens)
    except ParseError as refusal:
        assert refusal.problem
