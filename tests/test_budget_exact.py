"""Exact or refused: the issue's examples, typed as a new user would, on both databases."""

import pytest
from sqlmodel import Session, select

from storage.models import BudgetLine, Fund, FundEntry
from tests import test_budget_command
from tests.helpers import budget_rows

# The budget fixtures, shared: a partnership with an officer, and the Surrey funds.
officer, surrey = test_budget_command.officer, test_budget_command.surrey


@pytest.mark.parametrize(
    "cost, planned, days",
    [
        ("2 x £650", 130_000, 200),
        ("2 × £650", 130_000, 200),
        ("2 days @ £650", 130_000, 200),
        ("2 days at £650 per day", 130_000, 200),
        ("0.5 days at £650.50 a day", 32_525, 50),
        ("3days@£650", 195_000, 300),
    ],
)
def test_a_count_at_a_rate_plans_the_sum(surrey, engine, cost, planned, days):
    reply = surrey(f'plan "Pooled fund" Theme lead workshops {cost} stage 1')
    assert reply.public, reply.text
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).one()
    assert (line.description, line.planned_pence, line.days_hundredths) == (
        "Theme lead workshops",
        planned,
        days,
    )
    assert f"planned £{planned // 100:,}" in reply.text


@pytest.mark.parametrize(
    "text, problem, fix",
    [
        ('plan "Pooled fund" Workshops £650 £1,300', "more than one amount", "2 x £650"),
        ('plan "Pooled fund" Workshops £650 2 days', "couldn't find the cost", "2 days @ £650"),
        ('plan "Pooled fund" Venue £5 stage 3 £10', "more than one amount", "Give one cost"),
        ('plan "Pooled fund" Venue £1,00', "separator in the wrong place", "`£1,000`"),
        ('plan "Pooled fund" Venue £1,0000', "separator in the wrong place", "`£12,000.50`"),
        ('plan "Pooled fund" Venue £6.000,00', "continental way", "`£6,000.00`"),
        ('plan "Pooled fund" Venue £6.000', "more than two decimal places", "`£6,000`"),
        ('plan "Pooled fund" Talk 0.33 days @ £650.55', "whole number of pence", "£214.68"),
        ('fund "Individual grant" £2000k from "PtP credit"', "would be £2,000,000", "`£2,000`"),
        ('fund "PtP credit" £6,000 £500 from SEE', "(`£6,000`)", "before `from`"),
        ('fund "PtP credit" from SEE £6,000', "after `from`", "For example"),
        ('contribute "Pooled fund" £1,00 from X', "separator in the wrong place", "£1,000"),
        ("spend 1 £6.000,00", "continental way", "£6,000.00"),
        ('plan "Pooled fund" Half day 1/2 day @ £650', "`1/2 day @ £650`", "`0.5 days @ £650`"),
        ('plan "Pooled fund" Talks two days @ £650', "number of days in figures", "`2 days @"),
        ('plan "Pooled fund" Talk half a day at £650', "part of a day in decimals", "`0.5 days"),
        ('plan "Pooled fund" Facilitator @ £650', "`Facilitator @ £650`", "`2 days @ £650`"),
        ('fund "Pooled fund" $500 from "Surrey Police"', "in dollars", "pounds only"),
        ('fund "Pooled fund" USD 500 from "Surrey Police"', "`USD 500` is in dollars", "`£500`"),
        ('contribute "Pooled fund" €500 from X', "`€500` is in euros", "pounds only"),
        ("spend 1 $500", "`$500` is in dollars", "pounds only"),
        ('fund "Pooled fund" £1 000 from X', "did you mean £1,000?", "`£1,000`"),
        ('contribute "Pooled fund" 1 000 pounds from X', "did you mean £1,000?", "`£1,000`"),
        ("spend 1 £1 000", "did you mean £1,000?", "`£1,000`"),
        ('fund "Pooled fund" - £1,000', "space after the minus", "type `-£1,000`"),
        ('contribute "Pooled fund" – £1,000 from X', "can't tell a correction", "`-£1,000`"),
        ('fund "Pooled fund" top-up £500', "followed by `top-up`", '`"Pooled fund top-up"`'),
        ('fund "Pooled fund" from "Surrey Police"', "Say how much", "£1,000 from"),
    ],
)
def test_misreadable_amounts_are_refused_with_what_to_type(surrey, engine, text, problem, fix):
    surrey('plan "Pooled fund" Venue £100')
    before = budget_rows(engine)
    refused = surrey(text)
    assert not refused.public and problem in refused.text and fix in refused.text, refused.text
    assert budget_rows(engine) == before


@pytest.mark.parametrize("typed", ["£ 500", "500 pounds", "£500.00", "500", "£500"])
def test_ways_of_writing_five_hundred_pounds(officer, engine, typed):
    assert officer(f'fund "PtP credit" {typed} from "South East Employers"').public
    with Session(engine) as session:
        entry = session.exec(select(FundEntry)).one()
        (name,) = session.exec(select(Fund.name)).all()
    assert (name, entry.amount_pence, entry.source) == (
        "PtP credit",
        50_000,
        "South East Employers",
    )


def test_a_spaced_pound_sign_is_part_of_the_amount_not_the_name(officer, engine):
    reply = officer('fund "LSP pooled budget" £ 5,000 from "West Yorkshire Police"')
    assert "£5,000 to LSP pooled budget from West Yorkshire Police" in reply.text
    with Session(engine) as session:
        assert session.exec(select(Fund.name)).all() == ["LSP pooled budget"]


def test_names_and_text_are_stored_exactly_as_typed(surrey, engine):
    surrey("fund Contact finance@surreycc.gov.uk × 2 £1,000")
    surrey('plan "Pooled fund" Ask finance@surreycc.gov.uk re 3×A4 £20 who a@b x c')
    with Session(engine) as session:
        assert "Contact finance@surreycc.gov.uk × 2" in session.exec(select(Fund.name)).all()
        line = session.exec(select(BudgetLine)).one()
    assert line.description == "Ask finance@surreycc.gov.uk re 3×A4"
    assert (line.planned_pence, line.who) == (2_000, "a@b x c")


@pytest.fixture
def oxfordshire(officer):
    """Oxfordshire's £6,000 PtP credit: a partnership that holds money."""
    assert officer('fund "PtP credit" £6,000 from "South East Employers"').public
    return officer


def test_an_amount_out_of_all_proportion_waits_for_confirm(oxfordshire, engine):
    assert oxfordshire('plan "PtP credit" Seminar £500').public
    before = budget_rows(engine)
    typed = 'fund "Individual grant" £2m from "PtP credit"'
    refused = oxfordshire(typed)
    assert not refused.public
    assert (
        "£2,000,000, which is 333 times this partnership's whole budget for 2026/27 of £6,000"
        in refused.text
    )
    assert f"`/budget {typed} --confirm`" in refused.text
    assert budget_rows(engine) == before
    for text in ['plan "PtP credit" Seminar £60,001', "spend 1 £70,000"]:
        assert "times this partnership's whole budget" in oxfordshire(text).text
    assert budget_rows(engine) == before
    assert oxfordshire(typed + " --confirm").public
    assert "£2,006,000 in" in oxfordshire("show").everything


def test_ten_times_or_up_to_ten_thousand_pounds_is_recorded_without_asking(officer, engine):
    assert officer('fund "PtP credit" £6,000 from SEE').public  # nothing held before: no check
    assert officer('fund "Other" £10,000').public  # not over £10,000
    assert officer('fund "Third" £160,000').public  # exactly ten times £16,000


def test_a_payment_typed_twice_in_a_day_waits_for_confirm(oxfordshire, engine):
    before = budget_rows(engine)
    again = oxfordshire('fund "PtP credit" £6,000 from "South East Employers"')
    assert not again.public
    assert "*PtP credit* already has £6,000; this would make it £12,000." in again.text
    assert "was recorded Tue 24 Nov 2026, 14:30 GMT" in again.text and "--confirm" in again.text
    assert budget_rows(engine) == before
    assert oxfordshire('fund "PtP credit" £6,000 from "Someone else"').public  # another source
    assert oxfordshire('fund "PtP credit" £6,000 from "South East Employers" --confirm').public
    assert "£18,000 in" in oxfordshire("show").everything


def test_an_en_dash_before_an_amount_is_a_minus(surrey):
    """Word processors and phones turn `-£1,000` into `–£1,000`: still a correction, never
    a fund called "PtP central fund –£1,000"."""
    corrected = surrey('fund "PtP central fund" –£1,000')
    assert corrected.public and "a correction of -£1,000" in corrected.text
    assert "now holds £4,000" in corrected.text
