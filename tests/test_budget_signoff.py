"""Sign-off (`/budget approvals`, `approve`, `reject`) through signed slash commands and
signed block_actions into the real app, on both databases."""

import json
import re

import pytest
from sqlmodel import Session, select

from storage.models import BudgetLine
from storage.signoff_tables import BudgetApproval
from tests.fake_slack import eventually
from tests.helpers import CHAIR, budget_rows
from tests.slack_checks import message_problems, view_problems
from tests.slack_requests import SlackDriver

OFFICER, SECOND, MEMBER = "U1OFFICER", "U3SECOND", "U2MEMBER"


@pytest.fixture
def budget(slack):
    """Oxfordshire's £6,000 PtP credit; two officers, a chair and a member; sign-off over
    £1,000."""
    assert slack.command("/partnership", "create Oxfordshire LSP", user=OFFICER).public
    for user, role in ((SECOND, "officer"), (CHAIR, "chair"), (MEMBER, "member")):
        slack.command("/partnership", f"role <@{user}|x> {role}", user=OFFICER)

    def run(text: str, user: str = OFFICER):
        return slack.command("/budget", text, user=user)

    assert run('fund "PtP credit" £6,000 from "South East Employers"').public
    assert run("approvals over £1,000").public
    return run


def press(slack: SlackDriver, action_id: str, value: str, user: str):
    """A button clicked on a message the bot posted in C1."""
    return slack.interaction(
        {
            "type": "block_actions",
            "trigger_id": "7.8.9",
            "channel": {"id": "C1", "name": "oxfordshire-lsp"},
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
            "message": {"ts": "1700000000.000100", "text": "request"},
            "response_url": slack.response_url,
            "actions": [{"type": "button", "action_id": action_id, "value": value}],
        },
        user=user,
    )


def committed(run) -> str:
    return run("").everything


def test_the_setting_is_for_officers_and_shown_in_the_budget(budget):
    refused = budget("approvals over £500", user=MEMBER)
    assert not refused.public and "Only officers" in refused.text
    shown = budget("")
    assert "Sign-off: plans and spends over £1,000 wait for approval; 0 waiting" in shown.text
    assert "set budget sign-off (off → over £1,000)" in budget("history").everything
    assert "over £1,000" in budget("help").text or "approvals over £1,000" in budget("help").text
    off = budget("approvals off")
    assert off.public and "turned sign-off off" in off.text
    assert "Sign-off: off" in budget("").text


def posted_request(fake_slack, engine, count: int = 1) -> tuple[str, list[dict]]:
    """The request's message the bot posted itself, once it has recorded where."""
    call = fake_slack.wait_for("chat.postMessage", count=count)[-1]
    blocks = call.body["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks

    def recorded():
        with Session(engine) as session:
            requests = session.exec(select(BudgetApproval).order_by(BudgetApproval.number))
            return [(r.channel_id, r.message_ts) for r in requests][count - 1][1]

    assert eventually(recorded) == call.response["ts"]
    return call.body["text"], blocks


def updates(fake_slack, count: int = 1) -> list[dict]:
    """The chat.update calls, their blocks read back."""
    bodies = [call.body for call in fake_slack.wait_for("chat.update", count=count)]
    for body in bodies:
        if isinstance(body.get("blocks"), str):
            body["blocks"] = json.loads(body["blocks"])
    return bodies


def test_a_plan_over_the_threshold_waits_and_is_not_committed(budget, fake_slack, engine):
    assert "planned line *1*" in budget('plan "PtP credit" Flyers £900').text
    asked = budget('plan "PtP credit" Seminar at the Kassam Stadium £4,000')
    # The asker is told privately; the bot posts the request itself, and records where.
    assert not asked.public and "waits for sign-off as request *1*" in asked.text
    text, blocks = posted_request(fake_slack, engine)
    assert "asks for sign-off of *request 1*: line 2" in text
    assert re.findall(r"\b1\b", text) == ["1"]  # the request's number, once
    assert message_problems(text, blocks) == []
    buttons = blocks[-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("budget_approve", "1"),
        ("budget_reject", "1"),
    ]
    shown = committed(budget)
    assert '"*Committed*\\n£900"' in shown and '"*Remaining*\\n£5,100"' in shown
    assert "1 waiting" in shown
    assert "pending approval, not committed" in budget("lines").everything
    # £1,000 is not over £1,000: recorded at once.
    assert "planned line *3*" in budget('plan "PtP credit" Flyers £1,000').text
    assert '"*Committed*\\n£1,900"' in committed(budget)
    listed = budget("approvals").text
    assert "request *1*: line 2" in listed and "Seminar at the Kassam Stadium" in listed


def test_a_typed_decision_replaces_the_request_message(budget, fake_slack, engine):
    budget('plan "PtP credit" Seminar £4,000')
    posted_request(fake_slack, engine)
    approved = budget("approve 1", user=CHAIR)
    assert not approved.public and "approved request *1*" in approved.text
    (update,) = updates(fake_slack)
    ts = fake_slack.calls_to("chat.postMessage")[0].response["ts"]
    assert (update["channel"], update["ts"]) == ("C1", ts)
    assert "approved request *1*" in update["text"]
    assert message_problems(update["text"], update["blocks"]) == []
    assert [b["type"] for b in update["blocks"]] == ["section"]  # the buttons go
    budget('plan "PtP credit" Hall £1,500')
    posted_request(fake_slack, engine, count=2)
    rejected = budget("reject 2 No &lt;venue&gt; &amp; no date", user=SECOND)
    assert not rejected.public and "rejected request *2*" in rejected.text
    update = updates(fake_slack, count=2)[-1]
    assert "No &lt;venue&gt; &amp; no date" in update["text"]
    assert update["ts"] == fake_slack.calls_to("chat.postMessage")[-1].response["ts"]


def test_a_request_whose_post_failed_is_decided_in_the_channel(budget, fake_slack, engine):
    """Not in the channel: the asker hears why; a decision is then a new message."""
    fake_slack.respond(
        "chat.postMessage", lambda call: (200, {"ok": False, "error": "not_in_channel"})
    )
    budget('plan "PtP credit" Seminar £4,000')
    (said,) = fake_slack.wait_for("response_url")
    assert "I'm not in this channel" in said.body["text"]
    with Session(engine) as session:
        assert session.exec(select(BudgetApproval)).one().message_ts is None
    approved = budget("approve 1", user=CHAIR)
    assert approved.public and "approved request *1*" in approved.text
    assert not fake_slack.calls_to("chat.update")


def test_four_eyes_the_asker_and_members_cannot_approve(budget, engine):
    budget('plan "PtP credit" Seminar £4,000')
    before = budget_rows(engine)
    own = budget("approve 1")
    assert not own.public and "You asked for request 1 yourself" in own.text
    member = budget("approve 1", user=MEMBER)
    assert not member.public and "Only a chair or an officer" in member.text
    assert budget_rows(engine) == before  # refusals write nothing
    approved = budget("approve 1", user=CHAIR)
    assert (
        approved.text.startswith(":white_check_mark:") and "approved request *1*" in approved.text
    )
    assert '"*Committed*\\n£4,000"' in committed(budget)
    again = budget("approve 1", user=SECOND)
    assert not again.public and "Request 1 was approved by <@U2CHAIR> already" in again.text
    history = budget("history").everything
    assert "approved request 1: line 1 on PtP credit: Seminar" in history
    assert "planned line 1 on PtP credit: Seminar (waiting for approval)" in history


def test_the_approve_button_decides_and_replaces_the_request(budget, slack, fake_slack, engine):
    budget('plan "PtP credit" Seminar £4,000')
    posted_request(fake_slack, engine)
    own = press(slack, "budget_approve", "1", OFFICER)
    assert own.status == 200
    (refusal,) = fake_slack.wait_for("response_url")
    assert refusal.body["response_type"] == "ephemeral"
    assert "You asked for request 1 yourself" in refusal.body["text"]
    assert press(slack, "budget_approve", "1", SECOND).status == 200
    (replaced,) = updates(fake_slack)
    assert "approved request *1*" in replaced["text"]
    assert [b["type"] for b in replaced["blocks"]] == ["section"]  # the buttons go
    with Session(engine) as session:
        assert session.exec(select(BudgetLine)).one().pending is False


def test_a_button_on_a_request_posted_before_0028_replaces_its_message(
    budget, slack, fake_slack, engine
):
    """Posted as the command's reply, the bot never knew its ts: the click's response_url
    replaces it, with text alone, so its buttons go."""
    budget('plan "PtP credit" Seminar £4,000')
    posted_request(fake_slack, engine)
    with Session(engine) as session:
        request = session.exec(select(BudgetApproval)).one()
        request.channel_id = request.message_ts = None
        session.add(request)
        session.commit()
    assert press(slack, "budget_approve", "1", CHAIR).status == 200
    (replaced,) = fake_slack.wait_for("response_url")
    assert replaced.body["replace_original"] is True and "blocks" not in replaced.body
    assert "approved request *1*" in replaced.body["text"]
    assert not fake_slack.calls_to("chat.update")


def test_the_reject_button_asks_why_then_cancels_the_line(budget, slack, fake_slack, engine):
    budget('plan "PtP credit" Seminar £4,000')
    posted_request(fake_slack, engine)
    press(slack, "budget_reject", "1", CHAIR)
    view = fake_slack.wait_for("views.open")[0].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view_problems(view) == []
    response = slack.interaction(
        {
            "type": "view_submission",
            "view": view
            | {"id": "VR", "state": {"values": {"reason": {"value": {"value": "No <venue>"}}}}},
        },
        user=CHAIR,
    )
    assert response.status == 200 and not response.body
    (replaced,) = updates(fake_slack)
    assert "rejected request *1*" in replaced["text"] and "No &lt;venue&gt;" in replaced["text"]
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).one()
        assert line.cancelled_at is not None and not line.pending
        assert session.exec(select(BudgetApproval)).one().state == "rejected"
    assert "rejected request 1" in budget("history").everything


def test_a_rejection_needs_a_reason_and_the_asker_may_withdraw(budget, engine):
    budget('plan "PtP credit" Seminar £4,000')
    before = budget_rows(engine)
    bare = budget("reject 1", user=CHAIR)
    assert not bare.public and "Give the reason" in bare.text and "/budget reject 1" in bare.text
    assert budget_rows(engine) == before
    withdrawn = budget("reject 1 booked elsewhere")
    assert "withdrew request *1*" in withdrawn.text
    history = budget("history").everything
    assert "withdrew request 1: line 1 on PtP credit: Seminar (awaiting approval → booked" in (
        history
    )


def test_names_and_reasons_are_escaped_once_everywhere(budget, engine):
    budget('plan "PtP credit" Hire <Kassam> & co £4,000')
    budget("approve 1", user=CHAIR)
    budget('plan "PtP credit" Hall £1,500')
    reason = "x" * 280 + " <!channel>"
    rejected = budget(f"reject 2 {reason.replace('<', '&lt;').replace('>', '&gt;')}", user=CHAIR)
    assert "rejected request *2*" in rejected.text and "&lt;!channel&gt;" in rejected.text
    history = budget("history").everything
    assert "Hire &lt;Kassam&gt; &amp; co" in history and "&amp;lt;" not in history
    assert "<!channel>" not in history


def test_a_spend_over_the_threshold_waits_and_undo_withdraws_it(budget, engine):
    budget('plan "PtP credit" Flyers £900')
    asked = budget("spend 1 £1,200")
    assert "£1,200 spent on line 1" in asked.text
    assert '"*Spent*\\n£0"' in committed(budget)
    busy = budget("spend 1 £100", user=SECOND)
    assert not busy.public and "request *1* waiting" in busy.text
    undone = budget("undo")
    assert "withdrew request *1*" in undone.text
    assert "withdrawn" in budget("history").everything
    budget("spend 1 £1,200")
    assert "approved request *2*" in budget("approve 2", user=SECOND).text
    assert '"*Spent*\\n£1,200"' in committed(budget)
    decision = budget("undo", user=SECOND)
    assert not decision.public and "does not undo sign-off decisions" in decision.text
    assert "`/budget spend 1 £…`" in decision.text and "`/budget cancel 1`" in decision.text
    # A correction down never waits.
    assert "recorded £0 spent" in budget("spend 1 £0").text


def test_undo_of_a_waiting_plan_withdraws_its_request(budget, fake_slack, engine):
    budget('plan "PtP credit" Seminar £4,000')
    posted_request(fake_slack, engine)
    assert "cancelled line *1*" in budget("undo").text
    (update,) = updates(fake_slack)  # the request's message says so, its buttons gone
    assert "withdrew request *1* by undoing their plan (line 1)" in update["text"]
    assert [b["type"] for b in update["blocks"]] == ["section"]
    with Session(engine) as session:
        assert session.exec(select(BudgetApproval)).one().state == "withdrawn"
    gone = budget("approve 1", user=CHAIR)
    assert not gone.public and "was withdrawn" in gone.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("approvals over lots", "Amounts look like"),
        ("approvals sometimes", "can't read `sometimes` as a threshold"),
        ("approve", "Say which sign-off request to approve"),
        ("approve 9", "There is no sign-off request 9"),
        ("reject x why", "`x` is not a sign-off request's number"),
    ],
)
def test_bad_input_is_refused_privately_and_writes_nothing(budget, engine, text, said):
    before = budget_rows(engine)
    reply = budget(text, user=CHAIR if text.startswith("approve") else OFFICER)
    assert not reply.public and said in reply.text, reply.text
    assert budget_rows(engine) == before


def test_forgetting_someone_takes_them_out_of_requests_and_decisions(budget, slack, engine):
    budget('plan "PtP credit" Seminar £4,000')
    budget("approve 1", user=CHAIR)
    forgot = slack.command("/partnership", f"forget <@{CHAIR}|nick> confirm", user=OFFICER)
    assert forgot.public, forgot.text
    with Session(engine) as session:
        request = session.exec(select(BudgetApproval)).one()
        assert request.decided_by != CHAIR and request.requested_by == OFFICER


def test_placeholders_in_hints_are_escaped_so_slack_shows_them(budget):
    """A bare `<reason>` is a link in mrkdwn, even inside code, and shows as nothing."""
    asked = budget('plan "PtP credit" Seminar £4,000')
    busy = budget("cancel 1", user=SECOND)
    own = budget("approve 1")
    for reply in (asked, busy, own, budget("help")):
        assert "`/budget reject 1 &lt;reason&gt;`" in reply.text or "&lt;reason&gt;" in reply.text
        assert not re.search(r"<(?![@#!]|https?:)", reply.text), reply.text


def test_a_change_that_changes_nothing_says_so_and_records_nothing(budget, engine):
    budget('plan "PtP credit" Flyers £900')
    assert budget("spend 1 £300").public
    before = budget_rows(engine)
    same = budget("spend 1 £300.00")
    assert not same.public and "already has £300 spent, so nothing changed" in same.text
    again = budget("approvals over £1,000.00")
    assert not again.public and "Sign-off is already over £1,000, so nothing changed" in again.text
    assert budget_rows(engine) == before
