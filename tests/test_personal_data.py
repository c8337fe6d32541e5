"""`/partnership mydata` and `/partnership forget`: signed commands into the real app on
both databases; the fake Slack records where the files went."""

import json

import pytest
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from formatting.slack_text import FORMER_MEMBER
from storage.models import AssessAnswer, AssessRun
from storage.personal_data import USER_COLUMNS
from tests.helpers import BASELINE_ANSWERS, CHAIR, Thread

OFFICER, TREASURER, MEMBER = "U1OFFICER", "U4TREASURER", "U3MEMBER"


@pytest.fixture
def spelthorne(slack, fake_slack):
    """A partnership with a budget kept by the treasurer and a baseline the chair has
    begun: question 2, confidential, answered."""

    def run(command: str, text: str, user: str = OFFICER):
        response = slack.command(command, text, user=user, channel="C1")
        assert response.status == 200, response.body
        return response

    run("/partnership", "create Spelthorne LSP")
    run("/partnership", f"role <@{TREASURER}|tom> officer")
    run("/partnership", f"role <@{CHAIR}|nick> chair")
    run("/partnership", f"role <@{MEMBER}|meg> member")
    run("/budget", 'fund "PtP credit" £6,000 from "South East Employers"', TREASURER)
    run("/budget", 'plan "PtP credit" Joint training 2 days @ £600', TREASURER)
    run("/budget", "spend 1 £1,150.50", TREASURER)
    run("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)  # the parent, the intro, question 1
    thread = Thread(slack, fake_slack, None, channel=f"D{CHAIR}", skip=1)
    thread.say(BASELINE_ANSWERS[0])
    thread.say(BASELINE_ANSWERS[1])
    return run


def files_sent(fake_slack) -> dict[str, bytes]:
    """The uploaded files by name, from the one completed upload."""
    (complete,) = fake_slack.wait_for("files.completeUploadExternal")
    uploads = fake_slack.wait_for("upload", count=2)
    names = {f["id"]: f["title"] for f in json.loads(complete.body["files"])}
    by_id = {u.body["file_id"]: u.body["content"] for u in uploads}
    assert set(names) == set(by_id)
    return {names[i]: by_id[i] for i in names} | {"channel": complete.body["channel_id"]}


def test_mydata_sends_everything_held_in_a_direct_message(spelthorne, fake_slack):
    reply = spelthorne("/partnership", "mydata", CHAIR)
    assert not reply.public and "direct message" in reply.text
    (opened,) = fake_slack.wait_for("conversations.open")
    assert opened.body["users"] == CHAIR
    sent = files_sent(fake_slack)
    assert sent.pop("channel") == f"D{CHAIR}"  # the DM the fake opened, never a channel
    held = json.loads(sent["Your data (JSON)"])
    assert held["person"] == {"team_id": "T1", "user_id": CHAIR}
    (run,) = held["questionnaire_answers"]
    answers = {a["question"]: a for a in run["answers"]}
    assert answers[2]["confidential"] and answers[2]["answer"] == BASELINE_ANSWERS[1]
    assert answers[1]["answer"] == BASELINE_ANSWERS[0]
    (membership,) = held["records_naming_you"]["membership"]
    assert (membership["user_id"], membership["role"]) == (CHAIR, "chair")
    readable = sent["Your data (readable)"].decode()
    assert f"**Structure and membership** (in confidence): {BASELINE_ANSWERS[1]}" in readable
    assert TREASURER not in json.dumps(held["records_naming_you"]["assess_answer"])


def test_mydata_lists_the_changes_someone_made(spelthorne, fake_slack):
    spelthorne("/partnership", "mydata", TREASURER)
    held = json.loads(files_sent(fake_slack)["Your data (JSON)"])
    records = held["records_naming_you"]
    assert [line["description"] for line in records["budget_line"]] == ["Joint training"]
    audit = [row["action"] for row in records["budget_audit"]]
    assert audit == [
        "created the fund PtP credit",
        "an allocation of £6,000 to PtP credit from South East Employers",
        "planned line 1 on PtP credit: Joint training",
        "recorded spend on line 1 (PtP credit)",
    ]
    assert held["questionnaire_answers"] == []


def rows_naming(engine, user: str) -> int:
    with Session(engine) as session:
        return sum(
            session.exec(
                select(func.count())
                .select_from(model)
                .where(or_(*(col(getattr(model, c)) == user for c in columns)))
            ).one()
            for model, columns in USER_COLUMNS.items()
        )


def answers(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AssessAnswer)).one()


def test_forget_asks_first_and_changes_nothing_until_confirmed(spelthorne, engine):
    before = rows_naming(engine, CHAIR)
    reply = spelthorne("/partnership", f"forget <@{CHAIR}|nick>")
    assert not reply.public
    assert "2 questionnaire answers deleted" in reply.text
    assert f"`/partnership forget <@{CHAIR}> confirm`" in reply.text
    assert (rows_naming(engine, CHAIR), answers(engine)) == (before, 2)


def test_forget_deletes_answers_and_leaves_a_former_member(spelthorne, engine):
    reply = spelthorne("/partnership", f"forget <@{CHAIR}|nick> confirm")
    assert reply.public and CHAIR not in reply.text
    assert "2 questionnaire answers deleted" in reply.text
    assert (rows_naming(engine, CHAIR), answers(engine)) == (0, 0)
    with Session(engine) as session:
        run = session.exec(select(AssessRun)).one()
    assert (run.assignee_id, run.status) == (FORMER_MEMBER, "cancelled")
    status = spelthorne("/assess", "status").everything
    assert "a former member" in status and CHAIR not in status
    assert "a former member" not in spelthorne("/partnership", "show").everything


def test_forget_keeps_budget_figures_exact(spelthorne, engine):
    budget = spelthorne("/budget", "").everything
    lines = spelthorne("/budget", "lines").everything
    spelthorne("/partnership", f"forget <@{TREASURER}|tom> confirm")
    assert spelthorne("/budget", "").everything == budget
    assert spelthorne("/budget", "lines").everything == lines
    history = spelthorne("/budget", "history").everything
    assert TREASURER not in history and history.count("a former member") == 4
    assert rows_naming(engine, TREASURER) == 0


@pytest.mark.parametrize(
    "user, text, problem",
    [
        (MEMBER, f"forget <@{CHAIR}|nick> confirm", "Only officers"),
        (OFFICER, "forget nick confirm", "Name exactly one person"),
        (OFFICER, f"forget <@{CHAIR}|nick> <@{MEMBER}|meg> confirm", "Name exactly one person"),
        (OFFICER, f"forget <@{CHAIR}|nick> now please", "`now please` is not understood"),
    ],
)
def test_bad_forget_is_refused_and_changes_nothing(spelthorne, engine, user, text, problem):
    reply = spelthorne("/partnership", text, user)
    assert not reply.public and problem in reply.text
    assert answers(engine) == 2


def test_the_last_officer_cannot_be_forgotten(spelthorne, engine):
    spelthorne("/partnership", f"forget <@{TREASURER}|tom> confirm")
    reply = spelthorne("/partnership", f"forget <@{OFFICER}|jo> confirm")
    assert "the only officer" in reply.text and not reply.public
    assert rows_naming(engine, OFFICER) > 0
