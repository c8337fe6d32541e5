"""Workflow Builder's custom steps through signed `function_executed` events: they save
as `/deadline add` and `/budget spend` do, complete with functions.completeSuccess, and
a refusal completes with functions.completeError naming what was wrong, writing
nothing. "Now" is Tue 24 Nov 2026, 14:30 GMT."""

import itertools
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from commands.workflow_steps import STEPS
from storage.models import BudgetLine, Deadline
from tests.fake_slack import Call, eventually
from tests.helpers import budget_rows, dated_rows
from tests.test_manifest import MANIFEST

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"
WORKFLOW_TOKEN = "xwfp-test-workflow-token"
_executions = itertools.count(1)


def step_event(callback_id: str, inputs: dict, *, user: str | None) -> dict:
    """What Slack sends when a workflow reaches one of our steps, run by `user` (None:
    a workflow with no interactivity, started on a schedule, say)."""
    if user is not None:
        interactor = {"id": user, "secret": "c2VjcmV0"}
        inputs = {
            "interactivity": {"interactivity_pointer": "1.x", "interactor": interactor}
        } | inputs
    return {
        "type": "function_executed",
        "function": {"id": "Fn1", "callback_id": callback_id, "title": callback_id, "type": "app"},
        "inputs": inputs,
        "function_execution_id": f"Fx{next(_executions)}",
        "workflow_execution_id": "Wx1",
        "event_ts": "1764000000.000100",
        "bot_access_token": WORKFLOW_TOKEN,
    }


def ended(fake_slack, execution_id: str) -> Call:
    """The call that completed the step, once the lazy listener has made it."""

    def find():
        completions = [c for c in list(fake_slack.calls) if c.method.startswith("functions.")]
        return next(
            (c for c in completions if c.body.get("function_execution_id") == execution_id), None
        )

    return eventually(find, what=f"step {execution_id} to complete")


@pytest.fixture
def run(slack, fake_slack):
    """Runs a step in channel C1: ("success", outputs) or ("error", the error)."""

    def run(callback_id: str, *, user: str | None = OFFICER, **inputs) -> tuple[str, object]:
        event = step_event(callback_id, {"channel": "C1"} | inputs, user=user)
        assert slack.event(event).status == 200
        call = ended(fake_slack, event["function_execution_id"])
        assert call.token == WORKFLOW_TOKEN  # Bolt completes with the workflow's token
        assert call.response == {"ok": True}, call.response
        if call.method == "functions.completeSuccess":
            return "success", json.loads(call.body["outputs"])
        return "error", call.body["error"]

    return run


@pytest.fixture
def partnership(slack):
    def officer(command, text):
        assert slack.command(command, text, user=OFFICER).public

    officer("/partnership", "create Spelthorne LSP")
    officer("/partnership", f"role <@{MEMBER}|m> member")
    return officer


def deadlines(engine) -> list[Deadline]:
    with Session(engine) as session:
        return list(session.exec(select(Deadline)))


def test_an_officer_adds_a_deadline_with_its_reminders(partnership, run, engine, fake_slack):
    how, outputs = run(
        "add_deadline", title="LAA exemplar proposals", when="5pm 31 July", ladder="7d 1d"
    )
    assert how == "success"
    assert (
        "added deadline *1*: *LAA exemplar proposals* — Sat 31 Jul 2027, 17:00 BST"
        in (outputs["confirmation"])
    )
    assert "reminders 7d, 1d before" in outputs["confirmation"]
    (deadline,) = deadlines(engine)
    assert deadline.title == "LAA exemplar proposals"
    assert deadline.due_at.replace(tzinfo=UTC) == datetime(2027, 7, 31, 16, 0, tzinfo=UTC)
    assert (deadline.created_by, deadline.channel_id, deadline.reminders) == (
        OFFICER,
        "C1",
        "7d 1d",
    )
    # The channel is told, as the command would have told it, with the bot's own token.
    (posted,) = [c for c in fake_slack.wait_for("chat.postMessage") if c.body["channel"] == "C1"]
    assert posted.token == "xoxb-test-token"
    assert f"<@{OFFICER}> added deadline *1*" in posted.body["text"]


def test_a_channel_the_bot_is_not_in_still_gets_the_deadline(partnership, run, engine, fake_slack):
    fake_slack.respond(
        "chat.postMessage", lambda call: (200, {"ok": False, "error": "not_in_channel"})
    )
    how, outputs = run("add_deadline", title="Confirm grant use", when="26/09/2027")
    assert how == "success" and "added deadline *1*" in outputs["confirmation"]
    assert len(deadlines(engine)) == 1


def test_a_deadline_without_a_ladder_gets_the_usual_reminders(partnership, run, engine):
    how, outputs = run("add_deadline", title="Confirm grant use", when="26/09/2027")
    assert how == "success" and "(the default)" in outputs["confirmation"]
    (deadline,) = deadlines(engine)
    assert deadline.reminders is None


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        (
            {"title": "LAA proposals", "when": "5pm 31 July", "ladder": "soonish"},
            "soonish",
        ),
        ({"title": "LAA proposals", "when": "whenever"}, "whenever"),
        ({"title": "LAA proposals", "when": "31 Jul 27"}, "31 July 2027"),
        ({"title": "LAA proposals"}, "The step was given no “when”."),
        ({"title": "x" * 151, "when": "5pm 31 July"}, "151 characters"),
    ],
)
def test_what_the_command_refuses_the_step_refuses(partnership, run, engine, inputs, error):
    how, said = run("add_deadline", **inputs)
    assert how == "error" and error in said, said
    assert ":warning:" not in said and "`" not in said  # plain text: Slack shows no mrkdwn
    assert dated_rows(engine) == (0, 0)


def test_only_officers_add_deadlines_by_workflow(partnership, run, engine):
    how, said = run("add_deadline", user=MEMBER, title="LAA proposals", when="5pm 31 July")
    assert how == "error"
    assert said.startswith("Only officers of Spelthorne LSP can add deadlines.")
    assert dated_rows(engine) == (0, 0)


def test_a_workflow_with_no_one_running_it_is_refused(partnership, run, engine):
    how, said = run("add_deadline", user=None, title="LAA proposals", when="5pm 31 July")
    assert how == "error" and "doesn't know who ran the workflow" in said
    assert dated_rows(engine) == (0, 0)


def test_a_channel_with_no_partnership_is_refused(partnership, run, engine):
    how, said = run("add_deadline", channel="C9", title="LAA proposals", when="5pm 31 July")
    assert how == "error" and "This channel isn't linked to a partnership yet." in said
    assert dated_rows(engine) == (0, 0)


def test_slack_retrying_the_event_adds_the_deadline_once(partnership, slack, fake_slack, engine):
    inputs = {"channel": "C1", "title": "LAA proposals", "when": "5pm 31 July"}
    event = step_event("add_deadline", inputs, user=OFFICER)
    assert slack.event(event, event_id="EvSTEP1").status == 200
    assert slack.event(event, event_id="EvSTEP1", retry=1).status == 200
    fake_slack.drained()
    assert len(fake_slack.calls_to("functions.completeSuccess")) == 1
    assert len(deadlines(engine)) == 1


@pytest.fixture
def budget(partnership):
    partnership("/budget", 'fund "PtP credit" £6,000 from "South East Employers"')
    partnership("/budget", 'plan "PtP credit" Joint training £1,200')
    partnership("/budget", 'fund "Pooled fund" £4,000')
    partnership("/budget", 'plan "Pooled fund" Venue £2,000')
    partnership("/budget", 'plan "Pooled fund" Catering £500')


def spent(engine) -> dict[int, int]:
    with Session(engine) as session:
        return {line.number: line.spent_pence for line in session.exec(select(BudgetLine))}


def test_an_officer_records_spend_on_a_line(budget, run, engine):
    how, outputs = run("record_spend", line="2", amount="£1,950.50")
    assert how == "success"
    assert "recorded £1,950.50 spent on line *2*" in outputs["confirmation"]
    assert spent(engine) == {1: 0, 2: 195050, 3: 0}


def test_a_spend_over_the_sign_off_threshold_is_posted_for_approval(
    budget, partnership, run, fake_slack, engine
):
    partnership("/budget", "approvals over £1,000")
    how, outputs = run("record_spend", line="2", amount="£1,950.50")
    assert how == "success" and "waits for sign-off as request *1*" in outputs["confirmation"]
    asked = eventually(
        lambda: [
            c for c in fake_slack.calls_to("chat.postMessage") if "request 1" in c.body["text"]
        ]
    )
    assert asked[0].body["channel"] == "C1" and "budget_approve" in str(asked[0].body["blocks"])
    assert spent(engine) == {1: 0, 2: 0, 3: 0}  # not until approved


def test_a_fund_with_one_line_names_that_line(budget, run, engine):
    how, outputs = run("record_spend", line="PtP credit", amount="£1,100")
    assert how == "success" and "on line *1*" in outputs["confirmation"]
    assert spent(engine) == {1: 110000, 2: 0, 3: 0}


@pytest.mark.parametrize(
    ("line", "amount", "error"),
    [
        ("Pooled fund", "£700", "Pooled fund has 2 lines (2, 3), so give the line's number"),
        ("Travel", "£700", "There is no fund called Travel."),
        ("9", "£700", "There is no line 9 in this budget."),
        ("2", "£1,00", "£1,00"),
        ("2", "lots", "lots"),
    ],
)
def test_spend_the_command_refuses_is_refused(budget, run, engine, line, amount, error):
    before = budget_rows(engine)
    how, said = run("record_spend", line=line, amount=amount)
    assert how == "error" and error in said, said
    assert spent(engine) == {1: 0, 2: 0, 3: 0} and budget_rows(engine) == before


def test_only_officers_record_spend(budget, run, engine):
    before = budget_rows(engine)
    how, said = run("record_spend", user=MEMBER, line="2", amount="£700")
    assert how == "error" and "Only officers of Spelthorne LSP" in said
    assert spent(engine) == {1: 0, 2: 0, 3: 0} and budget_rows(engine) == before


def test_the_manifest_declares_each_step_with_the_inputs_it_reads():
    functions = MANIFEST["functions"]
    assert set(functions) == set(STEPS)
    assert "function_executed" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert MANIFEST["settings"]["org_deploy_enabled"] is True  # custom steps need it
    for callback_id, step in STEPS.items():
        declared = functions[callback_id]["input_parameters"]
        required = {name for name, p in declared.items() if p["is_required"]}
        assert required == {"interactivity", "channel", *step.required}
        assert set(declared) == required | set(step.optional)
        assert declared["interactivity"]["type"] == "slack#/types/interactivity"
        assert declared["channel"]["type"] == "slack#/types/channel_id"
        assert set(functions[callback_id]["output_parameters"]) == {"confirmation"}
