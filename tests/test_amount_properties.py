"""Properties of the amount grammar: what is written the UK way reads back exactly,
separators anywhere else are refused, and a count at a rate is their exact product."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from commands.budget.budget_parse import ParseError, find_cost, joined, tokenize
from formatting.money import MAX_PENCE, AmountError, format_money, parse_amount, pounds_decimal

PENCE = st.integers(min_value=1, max_value=MAX_PENCE)
POUNDS = st.integers(min_value=1, max_value=MAX_PENCE // 100)


@given(PENCE, st.sampled_from(["£{}", "£ {}", "{} pounds", "{} GBP", " {} "]))
def test_every_uk_written_amount_reads_back_exactly(pence, shape):
    number = format_money(pence).removeprefix("£")  # 6,000 · 650.50
    assert parse_amount(shape.format(number)) == pence
    assert parse_amount(shape.format(pounds_decimal(pence))) == pence
    assert parse_amount(shape.format(number.replace(",", ""))) == pence


@given(st.integers(min_value=1_000, max_value=MAX_PENCE // 100))
def test_grouping_by_spaces_asks_whether_commas_were_meant(pounds):
    spaced = f"{pounds:,}".replace(",", " ")
    with pytest.raises(AmountError, match=f"did you mean £{pounds:,}\\?"):
        parse_amount(f"£{spaced}")


@given(POUNDS, st.data())
def test_a_comma_anywhere_but_every_three_digits_is_refused(pounds, data):
    digits = str(pounds)
    assume(len(digits) >= 2)
    cut = data.draw(st.integers(min_value=1, max_value=len(digits) - 1))
    assume((len(digits) - cut) % 3 != 0)  # a comma in a right place is fine
    with pytest.raises(AmountError, match="wrong place|continental"):
        parse_amount(f"£{digits[:cut]},{digits[cut:]}")


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["k", "m", "K", "M"]))
def test_scales_multiply_exactly(number, scale):
    factor = 1_000 if scale.lower() == "k" else 1_000_000
    pounds = number * factor
    assume(pounds * 100 <= MAX_PENCE)
    assert parse_amount(f"£{number}{scale}") == pounds * 100


@given(st.integers(min_value=1_000, max_value=10**7), st.sampled_from(["k", "m"]))
def test_a_scale_on_thousands_is_refused_never_multiplied(number, scale):
    with pytest.raises(AmountError, match="already means"):
        parse_amount(f"£{number}{scale}")


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
    st.integers(min_value=1, max_value=200_000),
    st.sampled_from(["{n} x {r}", "{n} × {r}", "{n} days @ {r}", "{n} days at {r} per day"]),
)
def test_a_count_at_a_rate_is_their_exact_product_or_refused(days, rate, shape):
    clause = shape.format(n=days, r=format_money(rate))
    tokens = tokenize(f"Theme lead workshops {clause} stage 1")
    product = days * rate
    try:
        start, end, cost = find_cost(tokens)
    except ParseError as refusal:
        assert product != product.to_integral_value(), refusal.problem
        assert "whole number of pence" in refusal.problem
        return
    assert joined(tokens[:start]) == "Theme lead workshops"
    assert cost.planned == product and cost.day_rate == rate
    assert cost.days_hundredths == days * 100


WORD = st.text(alphabet="abcxyz@×.-/0123456789", min_size=1, max_size=8).filter(
    lambda word: not word[0].isdigit()
)


@given(st.lists(WORD, min_size=1, max_size=8))
def test_a_description_is_kept_exactly_as_typed(words):
    typed = " ".join(words)
    tokens = tokenize(f"{typed} £5")
    # A rate with no number of days in figures before it is asked about, not guessed.
    if words[-1] in ("@", "×") or words[-2:] == ["a", "x"]:
        with pytest.raises(ParseError, match="days at a rate"):
            find_cost(tokens)
        return
    start, _, cost = find_cost(tokens)
    assert joined(tokens[:start]) == typed and cost.planned == 500
