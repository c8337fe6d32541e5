"""What a questionnaire said before: every submitted version kept after `/assess reopen`,
rounds of the same template compared, and the files that show both (Markdown, Word,
CSV, Excel). Signed commands and events in; the fake Slack records every call out."""

import io
import json
from datetime import UTC, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.app import create_app
from storage.models import AssessAnswer
from storage.submitted_answers import AssessSubmittedAnswer
from tests.fake_slack import eventually
from tests.helpers import CHAIR, Thread, calls_carrying, open_home
from tests.slack_checks import message_problems
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U3MEMBER"
DM = f"D{CHAIR}"
SECRET, SECRET_NOW = "The PCT rarely attends", "The PCT attends now"
AFTER_DUE = datetime(2026, 12, 13, tzinfo=UTC)  # the questionnaire here is due 12 December

# A short questionnaire with a rating, a written answer and one in confidence.
HEALTH = (
    "template add\nname: health\ntitle: Partnership health\nquestions:\n"
    "  - title: Health\n    prompt: How healthy is the partnership?\n    kind: rating\n"
    "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
    "  - title: Priorities\n    prompt: What are this year's priorities?\n"
    "  - title: Partners\n    prompt: Which partners hold back?\n    confidential: true\n"
)


@pytest.fixture
def officer(slack, fake_slack):
    fake_slack.people[CHAIR] = "Nick Dunkley"
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)
    assert "added the questionnaire `health`" in slack.command("/assess", HEALTH, user=OFFICER).text
    return lambda text, user=OFFICER, channel="C1": slack.command(
        "/assess", text, user=user, channel=channel
    )


@pytest.fixture
def chat(slack, fake_slack) -> Thread:
    return Thread(slack, fake_slack, None, channel=DM)


def answer_round(officer, chat: Thread, answers: list[str]) -> None:
    """Start the health questionnaire for the chair; they answer it and submit."""
    started = len(chat.posts())
    officer(f"start health for <@{CHAIR}|nick> due 12 December")
    eventually(
        lambda: any("Question 1 of 3" in p for p in chat.posts()[started:]), what="question 1"
    )
    for answer in answers:
        chat.say(answer)
    assert "Submitted" in chat.say("submit")


def test_a_reopened_questionnaire_keeps_both_versions_and_says_what_changed(officer, chat, engine):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    assert officer("reopen 1", user=CHAIR).public
    eventually(lambda: "is open again" in chat.posts()[-1], what="the note")
    chat.say("edit 2")
    chat.say("Housing and transport")
    # Reopened, the officers read the draft against what was submitted...
    draft = officer("report 1").everything
    assert "Housing and transport" in draft and "not yet submitted" in draft
    assert (
        "_Since submission 1 (Tue 24 Nov 2026, 14:30 GMT): rewritten; it said: “Housing”_" in draft
    )
    # ...while the channel's members still read what was submitted, and only that.
    member = officer("report 1", user=MEMBER).everything
    assert "Housing and transport" not in member and "Housing" in member
    chat.say("edit 3")
    chat.say(SECRET_NOW)
    assert "Submitted again. Thank you! This version replaces what you" in chat.say("submit")
    with Session(engine) as session:
        kept = session.exec(
            select(AssessSubmittedAnswer.version, AssessSubmittedAnswer.value).order_by(
                col(AssessSubmittedAnswer.version), col(AssessSubmittedAnswer.position)
            )
        ).all()
    assert kept == [
        (1, "2"),
        (1, "Housing"),
        (1, SECRET),
        (2, "2"),
        (2, "Housing and transport"),
        (2, SECRET_NOW),
    ]
    report = officer("report 1").everything
    assert "submitted Tue 24 Nov 2026, 14:30 GMT" in report
    assert f"rewritten; it said: “{SECRET}”" in report  # an officer sees the confidential one
    member = officer("report 1", user=MEMBER).everything
    assert "rewritten; it said: “Housing”" in member
    assert SECRET not in member and SECRET_NOW not in member


def test_the_next_round_shows_ratings_up_or_down_and_answers_rewritten(officer, chat, fake_slack):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    answer_round(officer, chat, ["4", "Housing and transport", SECRET_NOW])
    reply = officer("report 2")
    assert message_problems(reply.text, reply.body["blocks"]) == []
    report = reply.everything
    assert "Round 2" in report and "compared with first round (questionnaire 1)" in report
    assert "_Since first round (questionnaire 1): rating up from 2 (Weak) to 4 (Good)_" in report
    assert "_Since first round (questionnaire 1): rewritten; it said: “Housing”_" in report
    assert f"it said: “{SECRET}”" in report
    member = officer("report 2", user=MEMBER).everything
    assert "rating up from 2 (Weak) to 4 (Good)" in member
    assert SECRET not in member and SECRET_NOW not in member

    assert "questionnaire-2-health.md" in officer("export 2").text
    markdown = fake_slack.wait_for("upload")[0].body["content"].decode()
    assert "- Answered by: Nick Dunkley" in markdown
    assert "- Submitted: Tue 24 Nov 2026, 14:30 GMT" in markdown
    assert "> Since first round (questionnaire 1): rating up from 2 (Weak) to 4 (Good)" in markdown
    assert "## 3. Partners\n\n_Which partners hold back?_\n\nin confidence\n" in markdown
    assert SECRET not in markdown and SECRET_NOW not in markdown

    assert "questionnaire-2-health.docx" in officer("export 2 docx").text
    paragraphs = docx_text(fake_slack.wait_for("upload", count=2)[1].body["content"])
    assert paragraphs[0] == "Partnership health"
    assert "Answered by: Nick Dunkley" in paragraphs
    assert "Submitted: Tue 24 Nov 2026, 14:30 GMT" in paragraphs
    assert "Since first round (questionnaire 1): rewritten; it said: “Housing”" in paragraphs
    assert paragraphs[-2:] == ["Which partners hold back?", "in confidence"]

    # Both rounds' confidential answers, followed through every call the bot made, its
    # files and a comparison included: only the respondent's direct conversation.
    officer("compare health xlsx", user=MEMBER)
    fake_slack.wait_for("upload", count=3)
    for secret in (SECRET, SECRET_NOW):
        assert calls_carrying(fake_slack, secret) == {("chat.postMessage", DM)}


def test_compare_as_a_workbook_names_who_submitted_and_who_has_not(
    officer, chat, slack, fake_slack
):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    answer_round(officer, chat, ["4", "Housing and transport", SECRET_NOW])  # the latest
    slack.command("/partnership", "create Woking LSP", user=OFFICER, channel="C2")
    slack.command("/partnership", "create Runnymede LSP", user=OFFICER, channel="C3")
    officer("start health", channel="C3")  # started, not submitted
    reply = officer("compare health xlsx")
    assert (
        "1 partnership submitted: *Spelthorne LSP*. "
        "Not yet submitted: *Runnymede LSP*, *Woking LSP*." in reply.text
    )
    (upload,) = fake_slack.wait_for("upload")
    sheet = load_workbook(io.BytesIO(upload.body["content"])).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Question", "Spelthorne LSP"]
    assert rows[1] == ["Answered by", "Nick Dunkley"]
    assert rows[3] == ["Questionnaire", "2"]
    assert rows[4:] == [
        ["1. Health", "4 — Good"],
        ["2. Priorities", "Housing and transport"],
        ["3. Partners", "in confidence"],
    ]
    refused = officer("compare health pdf")
    assert not refused.public and "I can't make a `pdf` file" in refused.text


def docx_text(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text]


def test_mydata_sends_and_forget_erases_every_submitted_version(
    officer, chat, slack, fake_slack, engine
):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    officer("reopen 1", user=CHAIR)
    eventually(lambda: "is open again" in chat.posts()[-1], what="the note")
    chat.say("edit 3")
    chat.say(SECRET_NOW)
    assert "Submitted" in chat.say("submit")
    slack.command("/partnership", "mydata", user=CHAIR)
    uploads = fake_slack.wait_for("upload", count=2)
    (held,) = [json.loads(u.body["content"]) for u in uploads if u.body["content"][:1] == b"{"]
    (run,) = held["questionnaire_answers"]
    versions = {(v["version"], v["question"]): v["answer"] for v in run["submitted_versions"]}
    assert versions[(1, 3)] == SECRET and versions[(2, 3)] == SECRET_NOW
    assert slack.command("/partnership", f"forget <@{CHAIR}|nick> confirm", user=OFFICER).public
    with Session(engine) as session:
        assert session.exec(select(AssessSubmittedAnswer)).all() == []


def test_cancelling_a_reopened_questionnaire_keeps_what_was_submitted(
    officer, chat, fake_slack, engine
):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    assert officer("reopen 1", user=CHAIR).public
    eventually(lambda: "`/assess cancel 1` keeps it" in chat.posts()[-1], what="the note")
    chat.say("edit 2")
    chat.say("Housing and transport")
    refused = officer("cancel 1", user=MEMBER)
    assert not refused.public and "Only officers" in refused.text
    withdrawn = officer("cancel 1", user=CHAIR)  # the respondent drops their own changes
    assert withdrawn.public and (
        "cancelled the changes to questionnaire *1*: it stands as submitted "
        "Tue 24 Nov 2026, 14:30 GMT." in withdrawn.text
    )
    eventually(lambda: "Changes made since it was reopened" in chat.posts()[-1], what="told")
    eventually(
        lambda: (
            "answered 3 of 3 · submitted ·" in fake_slack.calls_to("chat.update")[-1].body["text"]
        ),
        what="the channel's parent saying it is submitted again, not reopened",
    )
    with Session(engine) as session:
        answers = session.exec(select(AssessAnswer.value).order_by(col(AssessAnswer.position)))
        assert answers.all() == ["2", "Housing", SECRET]
        assert len(session.exec(select(AssessSubmittedAnswer)).all()) == 3  # one version
    report = officer("report 1").everything
    assert "Housing and transport" not in report and "submitted Tue 24 Nov 2026" in report
    assert (
        "`#1` *health* — <@U2CHAIR> · 3 of 3 answered · submitted" in officer("status").everything
    )
    assert "is already submitted" in officer("cancel 1").text
    assert "You have no questionnaire open with me" in chat.say("edit 1")
    assert officer("reopen 1", user=CHAIR).public  # and it can be reopened again


def test_a_round_after_one_never_submitted_is_the_first(officer, chat, slack, fake_slack):
    officer(f"start health for <@{CHAIR}|nick> due 12 December")  # never submitted
    eventually(lambda: any("Question 1 of 3" in p for p in chat.posts()), what="question 1")
    chat.say("3")
    assert "cancelled questionnaire *1*" in officer("cancel 1").text
    own = Thread(slack, fake_slack, None, channel=f"D{OFFICER}")
    officer("start health due 12 December")
    eventually(lambda: any("Question 1 of 3" in p for p in own.posts()), what="question 1")
    for answer in ("4", "Housing", SECRET):
        own.say(answer, user=OFFICER)
    assert "Submitted" in own.say("submit", user=OFFICER)
    report = officer("report 2").everything
    assert "First round · answered by <@U1OFFICER>" in report and "compared with" not in report
    assert "Since" not in report
    officer("export 2")
    markdown = fake_slack.wait_for("upload")[0].body["content"].decode()
    assert "- Questionnaire 2, first round\n" in markdown


def test_a_reopened_questionnaire_not_submitted_by_its_due_date_stands_as_submitted(
    officer, chat, fake_slack, settings, engine
):
    answer_round(officer, chat, ["2", "Housing", SECRET])
    assert officer("reopen 1", user=CHAIR).public
    eventually(lambda: "is open again" in chat.posts()[-1], what="the note")
    chat.say("edit 2")
    chat.say("Housing and transport")
    late = SlackDriver(create_app(settings, engine, clock=lambda: AFTER_DUE), team="T1")
    refused = Thread(late, fake_slack, None, channel=DM).say("submit")
    assert (
        "Questionnaire *1* was due Sat 12 Dec 2026, 17:00 GMT, so it can't be submitted again: "
        "the version you submitted Tue 24 Nov 2026, 14:30 GMT stands" in refused
    )
    assert "Your changes are kept here, not lost" in refused and f"<@{OFFICER}>" in refused
    assert "`/assess start health for @name due …`" in refused
    with Session(engine) as session:  # nothing lost, nothing submitted
        answers = session.exec(select(AssessAnswer.value).order_by(col(AssessAnswer.position)))
        assert answers.all() == ["2", "Housing and transport", SECRET]
        assert len(session.exec(select(AssessSubmittedAnswer)).all()) == 3  # one version
    parent = fake_slack.calls_to("chat.postMessage")[0].response["ts"]

    def updates() -> list[str]:
        return [
            c.body["text"] for c in fake_slack.calls_to("chat.update") if c.body["ts"] == parent
        ]

    eventually(
        lambda: (
            "reopened, not submitted again by its due date: it stands as submitted" in updates()[-1]
        ),
        what="the channel's parent saying what stands",
    )
    assert not any("re-submitted" in text or SECRET in text for text in updates())
    circulated = [c for c in fake_slack.calls_to("chat.postMessage") if c.body.get("thread_ts")]
    assert [c.body["channel"] for c in circulated] == ["C1"]  # the first submission, only
    assert "Housing and transport" not in circulated[0].body["text"]
    # The officers read the kept changes, and that they were not submitted...
    report = late.command("/assess", "report 1", user=OFFICER).everything
    assert "Housing and transport" in report and (
        "not submitted again by its due date (Sat 12 Dec 2026, 17:00 GMT): it stands as "
        "submitted Tue 24 Nov 2026, 14:30 GMT" in report
    )
    # ...the members what was submitted, as does the status.
    member = late.command("/assess", "report 1", user=MEMBER).everything
    assert "Housing and transport" not in member and "submitted Tue 24 Nov 2026" in member
    assert "it stands as submitted" in late.command("/assess", "status").everything
    open_home(late, CHAIR)  # and so does the respondent's Home tab
    eventually(
        lambda: any(
            "Your questionnaire 1" in json.dumps(c.body)
            and "it stands as submitted" in json.dumps(c.body)
            for c in fake_slack.calls_to("views.publish")
        ),
        what="the Home tab saying what stands",
    )
    # Withdrawn, it is not reopened again after its due date: what to do instead is said.
    assert late.command("/assess", "cancel 1", user=CHAIR).public
    again = late.command("/assess", "reopen 1", user=CHAIR)
    assert not again.public and (
        "was due Sat 12 Dec 2026, 17:00 GMT, so it can't be reopened: its answers stand as "
        "submitted Tue 24 Nov 2026, 14:30 GMT, and a questionnaire's due date can't be moved."
        in again.text
    )
    assert "an officer starts the next round" in again.text
