"""Budget alerts, posted once per breach to the partnership's channel, on both databases:
through signed slash commands for those a change sets off, and through the hourly
tick's own function for money uncommitted before a close. "Now" is Tue 24 Nov 2026."""

from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.reminder_service import post_closing_alerts
from commands.budget.budget_windows import concerns
from storage.signoff_tables import BudgetAlert
from tests.fake_time import LONDON
from tests.helpers import NOW
from tests.slack_requests import BOT_TOKEN

OFFICER = "U1OFFICER"


@pytest.fixture
def budget(slack):
    """Spelthorne's £6,000 PtP credit, in C1."""
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(text: str):
        reply = slack.command("/budget", text, user=OFFICER)
        assert reply.public, reply.text
        return reply

    run('fund "PtP credit" £6,000 from "South East Employers"')
    return run


def alerts(fake_slack, says: str) -> list[str]:
    """What the bot posted to C1 containing `says`, once everything has been delivered."""
    fake_slack.drained()
    return [
        c.body["text"]
        for c in fake_slack.calls_to("chat.postMessage")
        if c.body["channel"] == "C1" and says in c.body["text"]
    ]


def test_a_fund_over_90_percent_is_announced_once_and_again_if_it_recurs(budget, fake_slack):
    budget('plan "PtP credit" Joint training with Runnymede £5,000')
    assert alerts(fake_slack, "over 90%") == []  # 83%
    budget('plan "PtP credit" Venue £500')
    (posted,) = alerts(fake_slack, "over 90%")
    assert posted == (
        ":warning: *PtP credit* is over 90% spent or committed in 2026/27: £5,500 of £6,000 "
        "(91%), £500 left."
    )
    budget('plan "PtP credit" Flyers £100')
    budget("spend 1 £4,000")
    assert len(alerts(fake_slack, "over 90%")) == 1  # still the same breach
    budget("cancel 2")  # clears: £5,100 of £6,000
    budget("cancel 3")
    budget('plan "PtP credit" Venue again £600')
    assert len(alerts(fake_slack, "over 90%")) == 2


def test_spend_ahead_of_a_lines_plan_is_announced_once(budget, fake_slack, engine):
    budget('plan "PtP credit" Seminar at the Kassam Stadium £1,000')
    budget("spend 1 £1,200")
    (posted,) = alerts(fake_slack, "running ahead")
    assert "line *1* (Seminar at the Kassam Stadium, *PtP credit*)" in posted
    assert "£1,200 spent against £1,000 planned, £200 over" in posted
    budget("spend 1 £1,300")
    assert len(alerts(fake_slack, "running ahead")) == 1
    budget("spend 1 £900")
    with Session(engine) as session:
        assert session.exec(select(BudgetAlert)).all() == []  # cleared, forgotten
    budget("spend 1 £1,100")
    assert len(alerts(fake_slack, "running ahead")) == 2


def test_a_refused_change_sets_off_no_alert(budget, slack, fake_slack, engine):
    refused = slack.command("/budget", 'plan "PtP credit" Venue £7,000', user=OFFICER)
    assert not refused.public
    assert alerts(fake_slack, "over 90%") == []
    with Session(engine) as session:
        assert session.exec(select(BudgetAlert)).all() == []


def hourly(engine, fake_slack, now: datetime) -> list[str]:
    """The hourly tick's alert check at `now`: what it posted to C1."""
    fake_slack.drained()  # the alerts of the changes before it are posted first
    before = len(fake_slack.calls_to("chat.postMessage"))
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    post_closing_alerts(engine, lambda team_id: client, now=now, tz=LONDON)
    return [c.body["text"] for c in fake_slack.calls_to("chat.postMessage")[before:]]


def test_money_uncommitted_four_weeks_before_a_window_closes(budget, slack, fake_slack, engine):
    window = '"PtP credit applications" from 25 November to 10 December'
    assert slack.command("/deadline", f"window {window}", user=OFFICER).public
    budget('plan "PtP credit" Seminar £1,000')
    fake_slack.drained()
    (posted,) = hourly(engine, fake_slack, NOW)
    assert posted.startswith(
        ":hourglass_flowing_sand: *PtP credit applications* closes Thu 10 Dec 2026, 17:00 GMT"
    )
    assert (
        "£5,000 of *Spelthorne LSP*'s 2026/27 budget is still uncommitted: *PtP credit* £5,000"
        in (posted)
    )
    assert hourly(engine, fake_slack, NOW + timedelta(hours=1)) == []  # once per breach
    budget('plan "PtP credit" Everything else £5,000')
    assert hourly(engine, fake_slack, NOW + timedelta(hours=2)) == []  # cleared
    budget("cancel 2")
    (again,) = hourly(engine, fake_slack, NOW + timedelta(hours=3))
    assert "PtP credit applications" in again


def test_a_window_naming_a_fund_concerns_that_fund_and_one_naming_none_every_fund(
    budget, slack, fake_slack, engine
):
    """The rule the meeting pack's decisions use too (commands/budget/budget_windows)."""
    budget('fund "Pooled fund" £4,000 from "Spelthorne Borough Council"')
    for window in ('"PtP credit applications"', '"Community safety bids"'):
        command = f"window {window} from 25 November to 10 December"
        assert slack.command("/deadline", command, user=OFFICER).public
    fake_slack.drained()
    names_none, names_one = sorted(hourly(engine, fake_slack, NOW))
    assert names_none.startswith(":hourglass_flowing_sand: *Community safety bids*")
    assert "£10,000 of *Spelthorne LSP*'s 2026/27 budget" in names_none
    assert names_none.endswith(
        "uncommitted: *PtP credit* £6,000, *Pooled fund* £4,000. Money not committed by then "
        "may be redistributed."
    )
    assert names_one.startswith(":hourglass_flowing_sand: *PtP credit applications*")
    assert names_one.endswith(
        "£6,000 of *Spelthorne LSP*'s 2026/27 budget is still uncommitted: *PtP credit* "
        "£6,000. Money not committed by then may be redistributed."
    )


def test_the_window_rule_folds_case_and_spaces():
    names = ["PtP credit", "Pooled fund"]
    assert concerns("PTP  Credit applications", "PtP credit", names)
    assert not concerns("PTP  Credit applications", "Pooled fund", names)
    assert concerns("Community safety bids", "Pooled fund", names)
    assert concerns("Pooled fund and PtP credit round", "Pooled fund", names)


def test_a_failed_alert_is_tried_again_the_next_hour(budget, slack, fake_slack, engine):
    slack.command("/deadline", 'window "Bids" from 25 November to 10 December', user=OFFICER)
    fake_slack.drained()
    removed = [True]  # the bot was taken out of the channel, then invited back

    def post(call):
        if removed[0]:
            return 200, {"ok": False, "error": "not_in_channel"}
        return 200, fake_slack.store_message(call.body, "1800000000.000100")

    fake_slack.respond("chat.postMessage", post)
    hourly(engine, fake_slack, NOW)
    with Session(engine) as session:
        assert session.exec(select(BudgetAlert)).all() == []  # not recorded as sent
    removed[0] = False
    (posted,) = hourly(engine, fake_slack, NOW + timedelta(hours=1))
    assert "*Bids* closes" in posted
    assert hourly(engine, fake_slack, NOW + timedelta(hours=2)) == []


def test_the_same_hour_is_checked_once_across_replicas(budget, slack, fake_slack, engine):
    slack.command("/deadline", 'window "Bids" from 25 November to 10 December', user=OFFICER)
    fake_slack.drained()
    assert len(hourly(engine, fake_slack, NOW)) == 1
    with Session(engine) as session:  # as if a second replica ticked a minute later
        for row in session.exec(select(BudgetAlert)).all():
            session.delete(row)
        session.commit()
    assert hourly(engine, fake_slack, NOW + timedelta(minutes=1)) == []


def test_money_uncommitted_four_weeks_before_the_financial_year_closes(budget, fake_slack, engine):
    fake_slack.drained()
    assert hourly(engine, fake_slack, datetime(2027, 3, 3, 9, tzinfo=LONDON)) == []  # 4 weeks+
    (posted,) = hourly(engine, fake_slack, datetime(2027, 3, 4, 9, tzinfo=LONDON))
    assert "The financial year 2026/27 closes Wed 31 Mar 2027 (in 27 days)" in posted
    assert "£6,000 of *Spelthorne LSP*'s 2026/27 budget is still uncommitted" in posted
