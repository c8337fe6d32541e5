"""Money parsing and formatting: exact, UK-shaped, and strict about nonsense."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatting.money import MAX_PENCE, AmountError, format_money, parse_amount, pounds_decimal


@pytest.mark.parametrize(
    "text, pence",
    [
        ("6000", 600_000),
        ("£6,000", 600_000),
        ("£6,000.00", 600_000),
        ("6k", 600_000),
        ("£147k", 14_700_000),
        ("£1.2m", 120_000_000),
        ("650.50", 65_050),
        ("£0.01", 1),
        ("1.25k", 125_000),
        ("£100m", MAX_PENCE),
        ("£11,650", 1_165_000),
        ("6K", 600_000),
        ("£ 500", 50_000),
        ("500 pounds", 50_000),
        ("£500.00", 50_000),
        ("£12,000.50", 1_200_050),
        ("1 pound", 100),
        ("£999k", 99_900_000),
    ],
)
def test_accepted_amounts(text, pence):
    assert parse_amount(text) == pence


@pytest.mark.parametrize(
    "text, reason",
    [
        ("0", "is zero"),
        ("£0.00", "is zero"),
        ("-5", "is negative"),
        ("-£5", "is negative"),
        ("£6.005", "more than two decimal places"),
        ("1.234567k", "more than two decimal places"),  # £1,234.567
        ("£abc", "is not an amount"),
        ("", "is not an amount"),
        ("six thousand", "is not an amount"),
        ("£100,000,000.01", "more than £100m"),
        ("£101m", "more than £100m"),
        ("£6,000 and change", "is not an amount"),
        ("1e6", "is not an amount"),
        ("£1..2", "is not an amount"),
        ("£1,00", "separator in the wrong place"),
        ("£1,0000", "separator in the wrong place"),
        ("£10,00,000", "separator in the wrong place"),
        ("£6.000,00", "continental way; .* `£6,000.00`"),
        ("£1.000.000", "continental way; .* `£1,000,000`"),
        ("£6.000", "more than two decimal places; .* `£6,000`"),
        ("£2000k", "would be £2,000,000: `k` already means thousands.* `£2,000`"),
        ("£1,500k", "would be £1,500,000"),
        ("£1000m", "would be £1,000,000,000"),
        ("  £ 6 000 ", "space between its digits: did you mean £6,000\\? .*`£6,000`"),
        ("£1 000", "did you mean £1,000\\?"),
        ("1 000 pounds", "did you mean £1,000\\?"),
        ("$500", "is in dollars; partnerbot records pounds only"),
        ("US$500", "is in dollars"),
        ("€500", "is in euros"),
        ("500 EUR", "is in euros"),
        ("USD 1,000", "is in dollars"),
        ("500 dollars", "is in dollars"),
    ],
)
def test_refused_amounts_say_why(text, reason):
    with pytest.raises(AmountError, match=reason):
        parse_amount(text)


@pytest.mark.parametrize(
    "pence, shown",
    [
        (600_000, "£6,000"),
        (65_050, "£650.50"),
        (14_700_000, "£147,000"),
        (5, "£0.05"),
        (-120_000, "-£1,200"),
    ],
)
def test_uk_formatting(pence, shown):
    assert format_money(pence) == shown


@given(st.integers(min_value=1, max_value=MAX_PENCE))
def test_formatting_round_trips_exactly(pence):
    assert parse_amount(format_money(pence)) == pence
    assert parse_amount(pounds_decimal(pence)) == pence


@given(st.lists(st.integers(min_value=1, max_value=10_000_00), max_size=50))
def test_sums_have_no_float_drift(amounts):
    texts = [pounds_decimal(p) for p in amounts]
    assert sum(parse_amount(t) for t in texts) == sum(amounts)


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_reason(text):
    try:
        assert 0 < parse_amount(text) <= MAX_PENCE
    except AmountError as refusal:
        assert str(refusal)
