"""The dispatcher's promises: no traceback reaches a user, refusals write nothing,
replies stay within Slack's limits, and a lost database is said plainly."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.web import create_asgi_app
from commands import dispatch as dispatch_module
from commands.dispatch import dispatch
from commands.reply import MAX_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT
from storage.engine import make_engine
from tests.helpers import CTX, SLACKISH, asgi_call, budget_rows, dated_rows, row_counts

DEAD_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def within_slack_limits(reply) -> bool:
    sections = [b["text"]["text"] for b in reply.blocks if b["type"] == "section"]
    return (
        len(reply.text) <= MAX_TEXT
        and len(reply.blocks) <= MAX_BLOCKS
        and all(len(text) <= MAX_SECTION_TEXT for text in sections)
    )


def test_an_unexpected_error_is_a_polite_reply_and_rolls_back(slack, engine, monkeypatch):
    def broken(session, ctx, text):
        from commands.partnership.partnership_actions import create

        create(session, ctx, "Half Written LSP")
        raise RuntimeError("boom")

    monkeypatch.setitem(dispatch_module.COMMANDS, "/partnership", broken)
    response = slack.command("/partnership", "create X")
    assert response.status == 200 and not response.public
    assert "Something went wrong on our side, and nothing was saved" in response.text
    assert "boom" not in response.everything and "Traceback" not in response.everything
    assert row_counts(engine) == (0, 0, 0)


def test_a_lost_database_says_temporarily_unavailable():
    reply = dispatch(make_engine(DEAD_DATABASE), CTX, "/partnership", "list")
    assert not reply.ok and "temporarily unavailable" in reply.text


def test_healthz_is_503_while_the_database_is_unreachable(app):
    asgi = create_asgi_app(app, make_engine(DEAD_DATABASE), signing_secret="s")
    assert asgi_call(asgi, "GET", "/healthz") == (503, b"database unreachable")


PARTNERSHIP_WORDS = st.sampled_from(
    ["", "create ", "link ", "unlink ", "show ", "list ", "role ", "help ", "x"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subcommand=PARTNERSHIP_WORDS, text=SLACKISH)
def test_any_text_gets_a_reply_within_limits_and_refusals_write_nothing(engine, subcommand, text):
    before = row_counts(engine)
    reply = dispatch(engine, CTX, "/partnership", subcommand + text)
    assert reply.text and within_slack_limits(reply)
    json.dumps(reply.blocks)  # what Bolt will send must serialise
    if not reply.ok:
        assert row_counts(engine) == before
    assert "Something went wrong" not in reply.text, "an exception escaped a handler"


@pytest.mark.parametrize("command", ["/frobnicate", "/PARTNERSHIP", "partnership", ""])
def test_unknown_commands_are_refused_with_the_known_ones(engine, command):
    reply = dispatch(engine, CTX, command, "")
    assert not reply.ok and "`/partnership`" in reply.text


BUDGET_WORDS = st.sampled_from(
    ["", "fund ", "contribute ", "plan ", "spend ", "cancel ", "lines ", "history ", "export ", "x"]
)
BUDGETISH = SLACKISH | st.sampled_from(
    [
        '"Pooled fund" £5',
        '"Pooled fund" Venue 2 days @ £650 stage 1 who X',
        "1 £5",
        "Pooled fund",
        '"Pooled fund" £5 from "Oxfordshire"',
        "1",
        "£1e9",
        "£-5",
        "2 days @",
        '"Pooled fund" x £9m',
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subcommand=BUDGET_WORDS, text=BUDGETISH)
def test_any_budget_text_gets_a_reply_within_limits_and_refusals_write_nothing(
    engine, subcommand, text
):
    if not budget_rows(engine)[0]:  # a partnership with a fund and a line to aim at
        dispatch(engine, CTX, "/partnership", "create Spelthorne LSP")
        dispatch(engine, CTX, "/budget", 'fund "Pooled fund" £10k')
        dispatch(engine, CTX, "/budget", 'plan "Pooled fund" Venue £2,000')
    before = budget_rows(engine)
    reply = dispatch(engine, CTX, "/budget", subcommand + text)
    assert reply.text and within_slack_limits(reply)
    json.dumps(reply.blocks)
    if not reply.ok:
        assert budget_rows(engine) == before
    assert "Something went wrong" not in reply.text, "an exception escaped a handler"


def test_control_characters_never_reach_the_database(engine):
    # PostgreSQL refuses NUL in text; Slack never means one, so it is dropped.
    reply = dispatch(engine, CTX, "/partnership", "create Spel\x00thorne\x07 LSP")
    assert reply.ok and "*Spelthorne LSP*" in reply.text


DATED_WORDS = st.sampled_from(
    ["", "add ", "window ", "list ", "done ", "remove ", "move ", "remind ", "ical ", "x"]
)
DATEISH = SLACKISH | st.sampled_from(
    [
        '"X" 31 July',
        "X by 5pm 31 July",
        '"X" from 31 May to 30 September',
        "1 14d 2h",
        "1 none",
        "1 5pm 7 August",
        '"X" 18 September 10am at Kent',
        "X by 28 March 2027 01:30",
        "1 31/02/2027",
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(command=st.sampled_from(["/deadline", "/event"]), subcommand=DATED_WORDS, text=DATEISH)
def test_any_date_text_gets_a_reply_within_limits_and_refusals_write_nothing(
    engine, command, subcommand, text
):
    if not row_counts(engine)[0]:
        dispatch(engine, CTX, "/partnership", "create Spelthorne LSP")
        dispatch(engine, CTX, "/deadline", 'add "First" 31 July')
        dispatch(engine, CTX, "/event", 'add "First" 18 September at Kent')
    before = dated_rows(engine)
    reply = dispatch(engine, CTX, command, subcommand + text)
    assert reply.text and within_slack_limits(reply)
    if not reply.ok:
        assert dated_rows(engine) == before
    assert "Something went wrong" not in reply.text, "an exception escaped a handler"
