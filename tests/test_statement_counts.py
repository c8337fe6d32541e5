"""Every read command issues the same number of SQL statements whatever the data size:
figures are summed and lists cut in the database, never one query per row."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session, select

from commands.dispatch import dispatch
from storage.models import AssessRun, BudgetAudit, BudgetLine, Deadline, Event, FundEntry
from tests.helpers import CTX
from tests.slack_checks import message_problems

READS = [
    ("/budget", ""),
    ("/budget", "year 2026/27"),
    ("/budget", "lines"),
    ("/budget", 'lines "Pooled fund"'),
    ("/budget", "lines all"),
    ("/budget", "history"),
    ("/budget", "export"),
    ("/budget", "export xlsx 2026/27"),
    ("/deadline", "list"),
    ("/deadline", "list all"),
    ("/deadline", "ical"),
    ("/deadline", "digest"),
    ("/event", "list"),
    ("/event", "list all"),
    ("/partnership", "show"),
    ("/partnership", "list"),
    ("/assess", "status"),
]
SMALL, LARGE = 10, 1000


@pytest.fixture
def partnership(engine):
    """A partnership with SMALL of everything, made through the commands."""
    ctx = replace(CTX, user_id="U1OFFICER")
    for command, words in [
        ("/partnership", "create Spelthorne LSP"),
        ("/budget", 'fund "Pooled fund" £100,000 from "Surrey County Council"'),
        ("/budget", 'fund "PtP credit" £6,000 from "South East Employers"'),
        ("/budget", 'fund "PtP credit" £6,000 from "South East Employers" for 2025/26'),
        ("/assess", "start baseline"),
    ]:
        assert dispatch(engine, ctx, command, words).ok, words
    for n in range(1, SMALL + 1):
        for command, words in [
            ("/budget", f'plan "Pooled fund" Workshop {n} 2 days @ £650 stage {n % 3}'),
            ("/budget", f"spend {n} £{n}00"),
            ("/deadline", f'add "Return {n}" 5pm {n} July 2027'),
            ("/event", f'add "Board {n}" on {n} June 2027 10am at Staines'),
        ]:
            assert dispatch(engine, ctx, command, words).ok, words
    return ctx


def grow_to(engine, count: int) -> None:
    """Copies of the rows already there, until each table holds `count` of them."""
    with Session(engine) as session:
        for model, numbered in [
            (BudgetLine, True),
            (Deadline, True),
            (Event, True),
            (FundEntry, False),
            (BudgetAudit, False),
            (AssessRun, True),
        ]:
            rows = session.exec(select(model)).all()
            fields = [
                {k: v for k, v in row.model_dump().items() if k != "id"}
                for row in rows[: count - len(rows)]
            ]
            copies = [
                fields[n % len(fields)]
                | ({"number": len(rows) + n + 1} if numbered else {})
                | ({"thread_ts": None, "dm_ts": None} if model is AssessRun else {})  # unique
                for n in range(count - len(rows))
            ]
            session.exec(insert(model), params=copies)
        session.commit()


def statements(engine, ctx, command: str, words: str) -> int:
    issued: list[str] = []

    def count(connection, cursor, statement, *rest) -> None:
        issued.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        reply = dispatch(engine, ctx, command, words)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert reply.ok, (command, words, reply.text)
    return len(issued)


def test_read_commands_issue_as_many_statements_at_1000_rows_as_at_10(engine, partnership):
    ctx = replace(partnership, now=partnership.now + timedelta(minutes=1))
    small = {read: statements(engine, ctx, *read) for read in READS}
    grow_to(engine, LARGE)
    large = {read: statements(engine, ctx, *read) for read in READS}
    assert "1,000 lines" in dispatch(engine, ctx, "/budget", "lines").text  # it did grow
    assert {read: n for read, n in large.items() if n != small[read]} == {}


def test_assess_status_at_1000_questionnaires_fits_one_message_and_says_how_many_more(
    engine, partnership
):
    grow_to(engine, LARGE)
    reply = dispatch(engine, partnership, "/assess", "status")
    assert message_problems(reply.text, reply.blocks) == []
    assert reply.text.startswith("1,000 questionnaires in Spelthorne LSP")
    note = reply.blocks[-1]["elements"][0]["text"]
    assert note.startswith("…and 500 more than one message holds: `/assess report &lt;number&gt;`")
    # The 500 most relevant: here copies of one open run, so the newest first.
    shown = str(reply.blocks)
    assert "`#1000` *baseline*" in shown and "`#501` *baseline*" in shown and "`#500`" not in shown
