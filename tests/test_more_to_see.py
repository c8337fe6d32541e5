"""Where a list is longer than one message holds, it says how to see the rest; and the
files the bot names after a partnership have safe ASCII names whatever the name holds.
"Now" is Tue 24 Nov 2026, 14:30 GMT."""

import re
from dataclasses import replace

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from commands.dispatch import dispatch
from commands.reply import file_slug
from storage.models import AssessRun, AssessTemplate
from tests.helpers import CTX
from tests.slack_checks import message_problems

OFFICER = "U1OFFICER"


@pytest.fixture
def ctx(engine):
    ctx = replace(CTX, user_id=OFFICER)
    assert dispatch(engine, ctx, "/partnership", "create Spelthorne LSP").ok
    assert dispatch(engine, ctx, "/assess", f"start baseline for <@{OFFICER}>").ok
    return ctx


def closing_note(reply) -> str:
    assert message_problems(reply.text, reply.blocks) == []
    note = reply.blocks[-1]
    assert note["type"] == "context", "the list was not cut"
    return note["elements"][0]["text"]


def test_a_long_status_says_how_to_see_each_questionnaire(engine, ctx):
    with Session(engine) as session:
        run = session.exec(select(AssessRun)).one()
        first = {k: v for k, v in run.model_dump().items() if k != "id"}
        session.exec(
            insert(AssessRun),
            params=[
                # 200 characters of name once escaped: 600 runs are more than fit.
                first | {"number": n, "thread_ts": f"17.{n}", "template_name": "&" * 40}
                for n in range(2, 601)
            ],
        )
        session.commit()
    note = closing_note(dispatch(engine, ctx, "/assess", "status"))
    assert re.fullmatch(
        r"…and \d+ more than one message holds: `/assess report &lt;number&gt;` shows any one, "
        r"`/assess compare &lt;questionnaire&gt;` every submitted one as a file\.",
        note,
    ), note


def test_a_long_list_of_questionnaires_says_how_to_see_one(engine, ctx):
    with Session(engine) as session:
        template = session.exec(select(AssessTemplate)).first()
        first = {k: v for k, v in template.model_dump().items() if k not in ("id", "builtin")}
        session.exec(
            insert(AssessTemplate),
            params=[first | {"name": f"t{n}", "title": "T" * 100} for n in range(1500)],
        )
        session.commit()
    note = closing_note(dispatch(engine, ctx, "/assess", "templates"))
    assert re.fullmatch(
        r"…and \d+ more than one message holds: `/assess template show &lt;name&gt;` shows any one "
        r"by its name\.",
        note,
    ), note


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Spelthorne LSP", "spelthorne-lsp"),
        ("Crime & <Disorder>!", "crime-and-disorder"),
        ("&lt;!channel&gt; A&amp;B", "channel-a-and-b"),  # as Slack sends typed text
        ("Ynys Môn", "ynys-mon"),
        ("Safer/Stronger: 2026?", "safer-stronger-2026"),
        ("!!! ***", "partnership"),
        ("Very " * 20, "very-very-very-very-very-very-very-very"),  # 40 at most, no dash last
    ],
)
def test_file_slugs_are_safe_ascii(name, slug):
    assert file_slug(name) == slug


def test_a_calendar_for_a_partnership_named_with_symbols_has_a_safe_name(slack, fake_slack):
    assert slack.command("/partnership", "create Crime & <Disorder>! Partnership").public
    assert slack.command("/deadline", 'add "LAA proposals" 5pm 31 July').public
    reply = slack.command("/deadline", "ical")
    assert "deadlines-crime-and-disorder-partnership.ics" in reply.text
    (complete,) = fake_slack.wait_for("files.completeUploadExternal")
    (upload,) = fake_slack.calls_to("files.getUploadURLExternal")
    assert upload.body["filename"] == "deadlines-crime-and-disorder-partnership.ics"
    assert complete.response["ok"] is True
