"""Forms (modals) through signed block_actions and view_submission payloads: the Home
tab's buttons and a bare `/deadline add` or `/budget plan` open them, and a submitted
form saves through the same command, with refusals next to the field.
"Now" is Tue 24 Nov 2026, 14:30 GMT."""

import json

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.listeners.modals import open_command_form
from commands.context import Context
from storage.models import BudgetLine, Deadline, Event, Partnership, Reminder
from tests.fake_time import LONDON
from tests.helpers import NOW
from tests.reminder_rows import POSTED
from tests.slack_checks import view_problems
from tests.slack_requests import BOT_TOKEN, SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"


@pytest.fixture
def partnership_id(slack, engine) -> int:
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{MEMBER}|m> member", user=OFFICER)
    slack.command("/budget", 'fund "PtP credit" £6,000', user=OFFICER)
    with Session(engine) as session:
        return session.exec(select(Partnership.id)).one()


def opened(fake_slack, count: int = 1) -> dict:
    call = fake_slack.wait_for("views.open", count=count)[-1]
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def deadline_values(title="LAA exemplar proposals", day="2027-07-31", at="17:00") -> dict:
    return {
        "title": {"type": "plain_text_input", "value": title},
        "date": {"type": "datepicker", "selected_date": day},
        "time": {"type": "timepicker", "selected_time": at},
    }


def test_the_add_deadline_button_opens_the_form(partnership_id, slack, fake_slack):
    assert slack.click("home_add_deadline", str(partnership_id), user=OFFICER).status == 200
    view = opened(fake_slack)
    assert view["callback_id"] == "form_deadline"
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"] == [
        "title",
        "date",
        "time",
    ]
    assert [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"] == [
        "plain_text_input",
        "datepicker",
        "timepicker",
    ]
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}


def test_an_officer_adds_a_deadline_through_the_form(partnership_id, slack, fake_slack, engine):
    slack.click("home_add_deadline", str(partnership_id), user=OFFICER)
    response = slack.submit(opened(fake_slack), deadline_values(), user=OFFICER)
    assert response.status == 200 and not response.body  # the form closes
    (told,) = [c for c in fake_slack.wait_for("chat.postMessage") if c.body["channel"] == "C1"]
    assert (
        "added deadline *1*: *LAA exemplar proposals* — Sat 31 Jul 2027, 17:00 BST (in 249 days)"
        in told.body["text"]
    )
    with Session(engine) as session:
        deadline = session.exec(select(Deadline)).one()
        assert deadline.due_at.isoformat() == "2027-07-31T16:00:00+00:00"
        assert (
            len(session.exec(select(Reminder).where(POSTED)).all()) == 4
        )  # planned like a command's


def test_an_event_at_a_numbered_address_keeps_its_time_and_place(
    partnership_id, slack, fake_slack, engine
):
    slack.click("home_add_event", str(partnership_id), user=OFFICER)
    values = deadline_values(title="Partnership board", at="10:00") | {
        "place": {"type": "plain_text_input", "value": "10 Downing Street"}
    }
    assert slack.submit(opened(fake_slack), values, user=OFFICER).status == 200
    fake_slack.wait_for("chat.postMessage")
    with Session(engine) as session:
        event = session.exec(select(Event)).one()
    assert event.starts_at.isoformat() == "2027-07-31T09:00:00+00:00"
    assert event.place == "10 Downing Street"
    assert event.ends_at is None  # no end time given


def test_an_event_form_with_an_end_time_keeps_its_end(partnership_id, slack, fake_slack, engine):
    slack.click("home_add_event", str(partnership_id), user=OFFICER)
    values = deadline_values(title="LGA conference", day="2027-06-10", at="09:15") | {
        "end": {"type": "timepicker", "selected_time": "15:40"}
    }
    assert slack.submit(opened(fake_slack), values, user=OFFICER).status == 200
    (told,) = [c for c in fake_slack.wait_for("chat.postMessage") if c.body["channel"] == "C1"]
    assert "Thu 10 Jun 2027, 09:15–15:40 BST" in told.body["text"]
    with Session(engine) as session:
        event = session.exec(select(Event)).one()
    assert (event.starts_at.isoformat(), event.ends_at.isoformat()) == (
        "2027-06-10T08:15:00+00:00",
        "2027-06-10T14:40:00+00:00",
    )


@pytest.mark.parametrize(
    "values, field, says",
    [
        (deadline_values(day="2026-11-01"), "date", "has passed"),
        (deadline_values(day="2027-03-28", at="01:30"), "date", "clocks go forward"),
        (deadline_values(title="   "), "title", "Give a title."),
        (deadline_values(title="x" * 151), "title", "At most 150 characters"),
    ],
)
def test_a_bad_form_shows_the_error_next_to_the_field_and_saves_nothing(
    partnership_id, slack, fake_slack, engine, values, field, says
):
    slack.click("home_add_deadline", str(partnership_id), user=OFFICER)
    response = slack.submit(opened(fake_slack), values, user=OFFICER)
    assert response.status == 200
    assert response.body["response_action"] == "errors"
    assert list(response.body["errors"]) == [field]
    assert says in response.body["errors"][field]
    assert "*" not in response.body["errors"][field]  # plain text, not mrkdwn
    with Session(engine) as session:
        assert session.exec(select(Deadline)).all() == []


def test_plan_spend_offers_the_funds_and_refuses_an_overcommitment_at_the_amount(
    partnership_id, slack, fake_slack, engine
):
    slack.click("home_plan_spend", str(partnership_id), user=OFFICER)
    view = opened(fake_slack)
    (fund,) = [b for b in view["blocks"] if b.get("block_id") == "fund"]
    assert [o["value"] for o in fund["element"]["options"]] == ["PtP credit"]
    values = {
        "fund": {"type": "static_select", "selected_option": {"value": "PtP credit"}},
        "description": {"type": "plain_text_input", "value": "Joint training <with> Runnymede"},
        "amount": {"type": "plain_text_input", "value": "7000"},
        "stage": {"type": "plain_text_input", "value": None},
        "who": {"type": "plain_text_input", "value": "Lead Facilitator"},
    }
    refused = slack.submit(view, values, user=OFFICER)
    assert "That would overcommit PtP credit" in refused.body["errors"]["confirm"]
    values["amount"]["value"] = "1200.50"
    assert not slack.submit(view, values, user=OFFICER).body
    fake_slack.wait_for("chat.postMessage")
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).one()
    assert (line.description, line.planned_pence, line.who) == (
        "Joint training <with> Runnymede",
        120050,
        "Lead Facilitator",
    )


def plan_values(description: str, cost: str) -> dict:
    return {
        "fund": {"type": "static_select", "selected_option": {"value": "PtP credit"}},
        "description": {"type": "plain_text_input", "value": description},
        "amount": {"type": "plain_text_input", "value": cost},
    }


@pytest.mark.parametrize(
    "description, cost, planned, days",
    [
        ("Theme lead workshops", "2 x £650", 130_000, 200),
        ("Theme lead workshops", "2 days at £650 per day", 130_000, 200),
        ("Ask finance@surreycc.gov.uk × 2", "£ 500", 50_000, None),
        ("Stage 2 - 1/2 day workshop", "500 pounds", 50_000, None),
    ],
)
def test_the_plan_form_reads_description_and_cost_as_the_command_does(
    partnership_id, slack, fake_slack, engine, description, cost, planned, days
):
    slack.command("/budget", "plan", user=OFFICER)
    assert not slack.submit(opened(fake_slack), plan_values(description, cost), user=OFFICER).body
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).one()
    assert (line.description, line.planned_pence, line.days_hundredths) == (
        description,
        planned,
        days,
    )


@pytest.mark.parametrize(
    "description, cost, says",
    [
        ("Theme lead workshops 2 x £650", "650", "more than one amount"),
        ("Venue", "£1,00", "separator in the wrong place"),
        ("Venue", "£2000k", "would be £2,000,000"),
        ("Venue", "£6.000,00", "£6,000.00"),
        ("Venue", "lots", "couldn't find the cost"),
    ],
)
def test_the_plan_form_refuses_what_the_command_refuses(
    partnership_id, slack, fake_slack, engine, description, cost, says
):
    slack.command("/budget", "plan", user=OFFICER)
    refused = slack.submit(opened(fake_slack), plan_values(description, cost), user=OFFICER)
    assert says in refused.body["errors"]["amount"]
    with Session(engine) as session:
        assert session.exec(select(BudgetLine)).all() == []


def test_a_bare_deadline_add_or_budget_plan_opens_its_form(partnership_id, slack, fake_slack):
    reply = slack.command("/deadline", "add", user=OFFICER)
    assert reply.status == 200 and not reply.body
    assert opened(fake_slack)["callback_id"] == "form_deadline"
    assert fake_slack.calls_to("views.open")[0].body["trigger_id"] == "1.2.3"
    slack.command("/budget", "plan", user=OFFICER)
    assert opened(fake_slack, count=2)["callback_id"] == "form_plan"


def test_buttons_are_only_trusted_as_far_as_the_database_agrees(
    partnership_id, slack, app, fake_slack
):
    slack.click("home_add_event", str(partnership_id), user=MEMBER)
    assert "Only officers of Spelthorne LSP" in json.dumps(opened(fake_slack))
    SlackDriver(app, team="T2").click("home_add_event", str(partnership_id), user=OFFICER)
    assert "not in this workspace" in json.dumps(opened(fake_slack, count=2))
    slack.click("home_add_event", "999", user=OFFICER)
    assert "not in this workspace" in json.dumps(opened(fake_slack, count=3))


def test_a_questionnaire_started_from_the_form_is_asked_in_a_direct_message(
    partnership_id, slack, fake_slack
):
    slack.click("home_start_questionnaire", str(partnership_id), user=OFFICER)
    view = opened(fake_slack)
    values = {
        "template": {"type": "static_select", "selected_option": {"value": "baseline"}},
        "who": {"type": "users_select", "selected_user": MEMBER},
        "due": {"type": "datepicker", "selected_date": "2026-12-12"},
    }
    assert not slack.submit(view, values, user=OFFICER).body
    posts = [post.body for post in fake_slack.wait_for("chat.postMessage", count=2)]
    # The channel's parent and the first question go out from separate threads: either
    # may reach Slack first.
    parent, first = sorted(posts, key=lambda post: post["channel"] != "C1")
    assert parent["channel"] == "C1"
    assert f"Answered by <@{MEMBER}> in a direct message with me" in parent["text"]
    assert "due Sat 12 Dec 2026, 17:00 GMT" in parent["text"]
    assert first["channel"] == f"D{MEMBER}"  # the fake's DM with the respondent


def test_a_form_for_a_channel_unlinked_since_the_command_says_so(engine, fake_slack):
    # The form opens on a pool after the command's ack, from a fresh read of the channel.
    ctx = Context(team_id="T1", user_id=OFFICER, channel_id="C9", now=NOW, tz=LONDON)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    open_command_form(client, engine, trigger_id="1.2.3", ctx=ctx, kind="deadline")
    assert "isn't linked to a partnership any more" in json.dumps(opened(fake_slack))


def test_with_no_funds_plan_spend_says_to_create_a_fund_rather_than_an_empty_form(
    slack, fake_slack, engine
):
    assert slack.command("/partnership", "create Runnymede LSP", user=OFFICER).public
    with Session(engine) as session:
        partnership_id = session.exec(select(Partnership.id)).one()
    typed = slack.command("/budget", "plan", user=OFFICER)
    assert "Runnymede LSP has no funds yet" in typed.text
    assert '`/budget fund "Pooled fund" £10,000 from "Surrey County Council"`' in typed.text
    assert slack.click("home_plan_spend", str(partnership_id), user=OFFICER).status == 200
    note = opened(fake_slack)
    assert "callback_id" not in note  # a note to close, not a form to submit
    assert "Create a fund first" in json.dumps(note["blocks"])
    assert view_problems(note) == []  # what Slack would refuse: a select with no options


def test_the_open_the_thread_link_button_is_acknowledged(slack, fake_slack):
    assert slack.click("home_open_thread_7", "", user=OFFICER).status == 200


def test_the_plan_form_confirms_an_amount_out_of_proportion_with_its_own_tick(
    partnership_id, slack, fake_slack, engine
):
    """The 10x check asks for `--confirm`, which only the typed command takes: the form
    has its own "Yes, record it" tick, and its refusal says to tick it."""
    slack.command("/budget", "plan", user=OFFICER)
    view = opened(fake_slack)
    assert view_problems(view) == []
    values = plan_values("Regional conference", "£70,000")
    refused = slack.submit(view, values, user=OFFICER).body["errors"]
    assert "--confirm" not in refused["confirm"]
    assert "I read £70,000, which is 11 times" in refused["confirm"]
    assert "tick “Yes, record it” and save again" in refused["confirm"]
    ticked = {"type": "checkboxes", "selected_options": [{"value": "confirm"}]}
    # Confirmed, it meets the next check as the command would: overcommitment, which the
    # second tick allows.
    overcommitted = slack.submit(view, values | {"confirm": ticked}, user=OFFICER).body
    assert "That would overcommit PtP credit" in overcommitted["errors"]["confirm"]
    assert "tick “Go past what the fund holds”" in overcommitted["errors"]["confirm"]
    with Session(engine) as session:
        assert session.exec(select(BudgetLine)).all() == []
    both = [{"value": "confirm"}, {"value": "allow-overcommit"}]
    ticked = {"type": "checkboxes", "selected_options": both}
    assert not slack.submit(view, values | {"confirm": ticked}, user=OFFICER).body
    with Session(engine) as session:
        assert session.exec(select(BudgetLine.planned_pence)).one() == 7_000_000
