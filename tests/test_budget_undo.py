"""`/budget undo` and corrections: nothing erased, everything audited, on both databases."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from storage.models import BudgetAudit, BudgetLine, FundEntry
from tests import test_budget_command
from tests.helpers import budget_rows
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = test_budget_command.OFFICER, test_budget_command.MEMBER
officer, surrey = test_budget_command.officer, test_budget_command.surrey
SECOND = "U3SECOND"


@pytest.fixture
def oxfordshire(officer, slack):
    """Oxfordshire's £6,000 PtP credit, with a second officer."""
    slack.command("/partnership", f"role <@{SECOND}|second> officer", user=OFFICER)
    assert officer('fund "PtP credit" £6,000 from "South East Employers"').public
    return officer


def entries(engine) -> list[int]:
    with Session(engine) as session:
        return [e.amount_pence for e in session.exec(select(FundEntry).order_by(FundEntry.id))]


def test_undo_reverses_money_in_with_an_entry_and_both_stay_in_history(oxfordshire, engine):
    oxfordshire('fund "PtP credit" £2,000 from "Oxford City"')
    reply = oxfordshire("undo")
    assert reply.public  # confirmed to the channel
    assert "undid an allocation of £2,000 to PtP credit from Oxford City" in reply.text
    assert "reversing entry of -£2,000" in reply.text and "now holds £6,000" in reply.text
    assert entries(engine) == [600_000, 200_000, -200_000]
    history = oxfordshire("history").everything
    assert "undid: an allocation of £2,000 to PtP credit from Oxford City (£8,000 → £6,000)" in (
        history
    )
    assert "an allocation of £2,000 to PtP credit from Oxford City (£6,000 → £8,000)" in history
    # Undone once only: the next undo reaches the change before it.
    assert "undid an allocation of £6,000" in oxfordshire("undo").text
    assert "£0 in" in oxfordshire("show").everything
    refused = oxfordshire("undo")
    assert not refused.public and "created a fund" in refused.text


def test_undo_reverses_plan_spend_and_cancel_in_turn(oxfordshire, engine):
    oxfordshire('plan "PtP credit" Seminar at the Kassam Stadium £4,000')
    oxfordshire("spend 1 £3,900")
    oxfordshire("cancel 1")
    assert "restored line *1*" in oxfordshire("undo").text
    spend = oxfordshire("undo")
    assert "put the spend back to £0 on line *1*" in spend.text
    assert "cancelled line *1*" in oxfordshire("undo").text
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).one()
    assert (line.spent_pence, line.cancelled_at is not None) == (0, True)
    assert "£6,000 remaining" in oxfordshire("show").everything.replace("Remaining*\\n", "")


def test_undo_is_yours_only_here_and_within_a_day(oxfordshire, slack, settings, engine, clock):
    oxfordshire('fund "PtP credit" £500 from "Cherwell"')
    before = budget_rows(engine)
    second = slack.command("/budget", "undo", user=SECOND)
    assert not second.public and "no budget change here in the last 24 hours" in second.text
    member = slack.command("/budget", "undo", user=MEMBER)
    assert "Only officers" in member.text
    clock.now += timedelta(hours=24, minutes=1)
    later = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    late = later.command("/budget", "undo", user=OFFICER)
    assert not late.public and "-£1,000 from" in late.text  # says how to correct instead
    assert budget_rows(engine) == before


def test_undo_that_would_overcommit_is_refused_unless_allowed(oxfordshire, slack, engine):
    oxfordshire('plan "PtP credit" Seminar £5,000')
    oxfordshire("cancel 1")
    slack.command("/budget", 'plan "PtP credit" Training £4,000', user=SECOND)
    before = budget_rows(engine)
    refused = oxfordshire("undo")  # my cancel: restoring line 1 would overcommit
    assert not refused.public and "overcommit *PtP credit*" in refused.text
    assert "--allow-overcommit" in refused.text and budget_rows(engine) == before
    restored = oxfordshire("undo --allow-overcommit")
    assert restored.public and "restored line *1*" in restored.text
    assert "overcommitted by £3,000" in restored.text


def test_a_fund_and_a_contribution_can_be_reduced_and_spend_set_to_zero(surrey, engine):
    surrey('plan "Pooled fund" Venue £2,000')
    surrey("spend 1 £1,500")
    reduced = surrey('contribute "Pooled fund" -£1,000 from "Surrey LSP 3"')
    assert reduced.public
    assert "a correction of -£1,000 to the contributions to Pooled fund from Surrey LSP 3" in (
        reduced.text
    )
    assert "now holds £11,000" in reduced.text
    assert surrey('fund "PtP central fund" -£2,000').public
    zero = surrey("spend 1 £0")
    assert zero.public and "recorded £0 spent on line *1*" in zero.text
    shown = surrey("show").everything
    assert '"*Total*\\n£3,000"' in shown and '"*Total*\\n£11,000"' in shown
    history = surrey("history").everything
    assert "(£1,500 → £0)" in history and "(£5,000 → £3,000)" in history


@pytest.mark.parametrize(
    "text, problem",
    [
        ('contribute "Pooled fund" -£1,001 from "Surrey LSP 3"', "has £1,000 in contributions"),
        ('contribute "Pooled fund" -£5 from "Nobody"', "has £0 in contributions from Nobody"),
        ('fund "PtP central fund" -£5,000.01', "take off at most that"),
        ('fund "No such fund" -£5', "There is no fund called *No such fund*"),
        ('contribute "Pooled fund" -£1,000 from "Surrey LSP 1"', "would overcommit *Pooled"),
        ("spend 1 £12,001", "£12,001 spent on line 1 (planned £11,500) uses £501 more of it"),
        ("spend 1 £12,001", "`/budget spend 1 £12,001 --allow-overcommit`"),
        ("undo everything", "takes nothing after it"),
    ],
)
def test_corrections_that_do_not_add_up_are_refused(surrey, engine, text, problem):
    surrey('plan "Pooled fund" Conference £11,500')
    before = budget_rows(engine)
    refused = surrey(text)
    assert not refused.public and problem in refused.text and "\n" in refused.text
    assert budget_rows(engine) == before


def test_an_overcommitting_correction_is_recorded_when_allowed(surrey, engine):
    surrey('plan "Pooled fund" Conference £11,500')
    assert "recorded £12,000 spent" in surrey("spend 1 £12,000").text  # exactly what it holds
    spent = surrey("spend 1 £12,500 --allow-overcommit")
    assert spent.public and "recorded £12,500 spent" in spent.text
    assert surrey("spend 1 £0").public  # back down: never refused
    allowed = surrey('contribute "Pooled fund" -£1,000 from "Surrey LSP 1" --allow-overcommit')
    assert allowed.public and "with -£500 remaining" in allowed.text
    with Session(engine) as session:
        assert session.exec(select(BudgetAudit).where(BudgetAudit.change == "entry")).all()
