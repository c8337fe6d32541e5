"""The largest payload of every kind the bot builds, checked with slack_sdk's Block Kit
models and Slack's limits: 60 funds, 300 deadlines and 300 events in a fortnight, 100
questionnaires for one person, that person in 31 partnerships, and every name as long
as allowed and full of `&` and `<`."""

import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from sqlmodel import Session, select

from commands.dispatch import dispatch
from commands.form_views import FORMS, command_form
from commands.home_view import home_view
from formatting.slack_limits import FILE_ALT_TEXT
from reminders import digest
from storage.models import AssessRun, Deadline, Event, Reminder
from tests.helpers import CTX, NOW
from tests.slack_checks import message_problems, shown, view_problems

FUNDS, DATED, RUNS, PARTNERSHIPS = 60, 300, 100, 30
OFFICER = "U1OFFICER"
READS = [
    ("/budget", ""),
    ("/budget", "lines"),
    ("/budget", "history"),
    ("/deadline", "list"),
    ("/deadline", "list all"),
    ("/event", "list"),
    ("/event", "list all"),
    ("/partnership", "show"),
    ("/partnership", "list"),
    ("/assess", "status"),
    ("/assess", "list"),
]


def hostile(n: int, length: int) -> str:
    return f"{n} " + ("A&B <b> & <!channel> " * 20)[: length - len(str(n)) - 1]


@pytest.fixture
def ctx(engine):
    ctx = replace(CTX, user_id=OFFICER)

    def ok(command: str, text: str, where=ctx) -> None:
        assert dispatch(engine, where, command, text).ok, text

    ok("/partnership", f"create {hostile(0, 80)}")
    for n in range(1, FUNDS + 1):
        ok("/budget", f'fund "{hostile(n, 80)}" £{n},000.50 from "{hostile(n, 80)}"')
    ok("/budget", f'plan "{hostile(1, 80)}" {hostile(1, 200)} £900')
    ok("/deadline", f'add "{hostile(0, 150)}" 5pm 27 November 2026')
    ok("/event", f'add "{hostile(0, 150)}" on 26 November 2026 10am at Staines')
    ok("/deadline", "digest monday 9am")
    ok("/assess", f"start baseline for <@{OFFICER}>")
    for n in range(1, PARTNERSHIPS + 1):
        ok("/partnership", f"create {hostile(100 + n, 80)}", replace(ctx, channel_id=f"C{n + 1}"))
    _grow(engine)
    return ctx


def _grow(engine) -> None:
    """Copies of the first deadline, event and questionnaire, spread over a fortnight."""
    with Session(engine) as session:
        for model, at in [(Deadline, "due_at"), (Event, "starts_at")]:
            (row,) = session.exec(select(model)).all()
            first = {k: v for k, v in row.model_dump().items() if k != "id"}
            session.exec(
                insert(model),
                params=[
                    first | {"number": n + 1, at: NOW + timedelta(hours=1 + n)}
                    for n in range(1, DATED)
                ],
            )
        (run,) = session.exec(select(AssessRun)).all()
        first = {k: v for k, v in run.model_dump().items() if k != "id"}
        session.exec(
            insert(AssessRun),
            params=[first | {"number": n + 1, "thread_ts": f"17.{n}"} for n in range(1, RUNS)],
        )
        session.exec(update(AssessRun).values(status="open", thread_ts=AssessRun.number))
        session.commit()


def test_every_read_command_fits_slack(engine, ctx):
    problems = {}
    for command, text in READS:
        reply = dispatch(engine, ctx, command, text)
        problems[f"{command} {text}"] = message_problems(reply.text, reply.blocks)
    assert {read: found for read, found in problems.items() if found} == {}


def test_the_home_tab_fits_slack(engine, ctx):
    with Session(engine) as session:
        view = home_view(
            session,
            team_id="T1",
            user_id=OFFICER,
            now=NOW,
            tz=ctx.tz,
            permalink=lambda channel, ts: f"https://test.slack.com/archives/{channel}/p{ts}",
        )
    assert view_problems(view) == []
    budget = next(
        b["text"]["text"] for b in view["blocks"] if "*Budget*" in b.get("text", {}).get("text", "")
    )
    shown_funds = budget.count(" left*")
    assert f"…and {FUNDS - shown_funds} more funds: type `/budget` to see them all" in budget
    runs = [b for b in view["blocks"] if "Your questionnaire" in shown([b])]
    assert len(runs) == 5 and f"…and {RUNS - 5} more questionnaires for you" in shown(
        view["blocks"]
    )
    partnerships = sum(b["type"] == "header" for b in view["blocks"])
    rest = PARTNERSHIPS + 1 - partnerships
    assert f"…and {rest} more partnerships: *" in shown(view["blocks"])


@pytest.mark.parametrize("kind", FORMS)
def test_every_form_fits_slack(engine, ctx, kind):
    with Session(engine) as session:
        view = command_form(session, kind, team_id="T1", channel_id="C1", user_id=OFFICER)
    assert view_problems(view) == []


def test_the_weekly_digest_fits_slack(engine, ctx):
    with Session(engine) as session:
        reminder = session.exec(select(Reminder).where(Reminder.subject == "digest")).one()
        text = digest.compose(session, reminder, NOW, ctx.tz)
    assert text is not None and message_problems(text, []) == []
    days = re.findall(r"^• \*\w{3} \d+ \w{3}\*: (.*)$", text, re.MULTILINE)
    counted = Counter()
    for day in days:
        for n, kind in re.findall(r"(\d+) (deadline|event)s?", day):
            counted[kind] += int(n)
    assert counted == {"deadline": DATED, "event": DATED}
    assert f"{2 * DATED} in all: `/deadline list all` and `/event list all`" in text
    # Open questionnaires: the first few with their progress, then how many more.
    runs = re.findall(r"^• \*baseline\* \d+, <@\w+>: (.*)$", text, re.MULTILINE)
    assert runs == ["0 of 10 answered · being answered"] * digest.DETAILED_RUNS
    assert f"…and {RUNS - digest.DETAILED_RUNS} more open questionnaires: `/assess status`" in text


def test_a_form_with_nothing_to_choose_is_a_note_saying_what_to_do_first(engine, ctx):
    with Session(engine) as session:  # C2's partnership has no funds
        view = command_form(session, "plan", team_id="T1", channel_id="C2", user_id=OFFICER)
    assert view_problems(view) == [] and "callback_id" not in view
    assert "Create a fund first" in shown(view["blocks"])


def test_the_chart_s_table_and_alt_text_fit_slack(engine, ctx):
    upload = dispatch(engine, ctx, "/budget", "chart").upload
    assert upload is not None
    assert message_problems(upload.comment, []) == []
    assert upload.comment.count("\n") == FUNDS + 1  # the heading, the columns, every fund
    assert len(upload.alt_text) <= FILE_ALT_TEXT
    stated = upload.alt_text.count(" committed, ")  # one a fund described
    assert upload.alt_text.endswith(
        f"…and {FUNDS - stated} more funds: the table posted with the chart lists them all"
    )


def test_more_events_than_a_message_holds_are_counted_with_where_to_see_them(engine, ctx):
    with Session(engine) as session:
        row = session.exec(select(Event)).first()
        first = {k: v for k, v in row.model_dump().items() if k != "id"}
        extra = [first | {"number": 1000 + n} for n in range(900)]
        session.exec(insert(Event), params=extra)
        session.commit()
    reply = dispatch(engine, ctx, "/event", "list all")
    assert message_problems(reply.text, reply.blocks) == []
    note = reply.blocks[-1]["elements"][0]["text"]
    shown_events = shown(reply.blocks).count("`#")
    assert note == (
        f"…and {DATED + 900 - shown_events} more than one message holds: "
        "`/deadline ical` has every one of them."
    )
