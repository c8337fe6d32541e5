"""`/budget` and `/deadline list` reuse their reads while the partnership's version holds
(storage.read_cache): never a stale answer, whoever made the change and however."""

import itertools
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlmodel import Session, select

from bot.app import create_app
from commands import deadline
from commands.dispatch import dispatch
from storage import partnership_watch, read_cache
from storage.engine import make_engine
from storage.models import Partnership
from storage.partnership_watch import watch_partnerships
from storage.partnerships import partnership_for_channel_outside_transaction
from storage.read_cache import Fresh, ReadCache
from tests.conftest import NOW
from tests.fake_slack import eventually
from tests.fake_time import LONDON
from tests.slack_requests import SlackDriver
from tests.test_dispatch import CTX

OFFICER = "U1OFFICER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(command: str, words: str):
        reply = slack.command(command, words, user=OFFICER)
        assert reply.public, reply.text
        return reply

    return run


def version(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(Partnership.version)).one()


def sql(engine, statement: str) -> None:
    """A change made outside partnerbot's code: psql, or another replica's."""
    with engine.begin() as connection:
        connection.execute(text(statement))


def test_every_change_the_cached_reads_show_bumps_the_version(officer, engine):
    changes = [
        ("/budget", 'fund "Pooled fund" £6,000 from "Oxfordshire County Council"'),
        ("/budget", 'contribute "Pooled fund" £1,000 from "Thames Valley Police"'),
        ("/budget", 'plan "Pooled fund" Venue hire £2,000'),
        ("/budget", "spend 1 £700"),
        ("/budget", "cancel 1"),
        ("/deadline", 'add "Quarterly return" 5pm 31 July'),
        ("/deadline", "move 1 5pm 7 August"),
        ("/deadline", "done 1"),
        ("/deadline", "remove 1"),
    ]
    for command, words in changes:
        before = version(engine)
        officer(command, words)
        assert version(engine) > before, f"{command} {words}"


def test_a_reminder_counts_only_when_it_fails_or_stops_failing(officer, engine):
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    before = version(engine)
    sql(engine, "UPDATE reminder SET state = 'posting'")
    sql(engine, "UPDATE reminder SET state = 'pending', attempts = 1")
    assert version(engine) == before
    sql(engine, "UPDATE reminder SET state = 'failed' WHERE rung = '14d'")
    assert version(engine) == before + 1
    sql(engine, "DELETE FROM reminder WHERE state = 'failed'")
    assert version(engine) == before + 2


def test_a_row_moved_to_another_partnership_changes_both(officer, slack, engine):
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    assert slack.command("/partnership", "create Runnymede LSP", user=OFFICER, channel="C2").public
    with Session(engine) as session:
        before = dict(session.exec(select(Partnership.id, Partnership.version)).all())
    sql(engine, "UPDATE deadline SET partnership_id = (SELECT max(id) FROM partnership)")
    with Session(engine) as session:
        after = dict(session.exec(select(Partnership.id, Partnership.version)).all())
    assert all(after[p] > before[p] for p in before)


def test_a_change_made_outside_the_bot_shows_at_once(officer, slack, engine):
    officer("/budget", 'fund "Pooled fund" £6,000 from "Oxfordshire County Council"')
    officer("/budget", 'plan "Pooled fund" Venue hire £2,000')
    assert "£4,000 remaining" in slack.command("/budget").text
    sql(engine, "UPDATE budget_line SET spent_pence = 150000")
    assert "£1,500 spent" in slack.command("/budget").text
    sql(engine, "UPDATE fund_entry SET amount_pence = 700000")
    assert "£7,000 in" in slack.command("/budget").text
    sql(engine, "UPDATE deadline SET title = 'never' WHERE 1 = 0")  # touches nothing
    assert "£7,000 in" in slack.command("/budget").text


def test_another_replicas_change_shows_at_once(officer, slack, settings, database_url):
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    assert "1 deadlines" in slack.command("/deadline", "list").text
    other_engine = make_engine(database_url)
    try:
        other = SlackDriver(create_app(settings, other_engine, clock=lambda: NOW), team="T1")
        assert other.command("/deadline", 'add "Board papers" 9am 1 March', user=OFFICER).public
        assert other.command("/budget", 'fund "Pooled fund" £6,000', user=OFFICER).public
    finally:
        other_engine.dispose()
    listed = slack.command("/deadline", "list")
    assert "2 deadlines" in listed.text and "Board papers" in listed.everything
    assert "£6,000 in" in slack.command("/budget").text


def test_the_list_moves_on_with_the_clock(slack, settings, engine, clock):
    moving = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    assert moving.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    for words in (
        'add "Board papers" 3pm 24 November',  # in 30 minutes
        'add "Quarterly return" 9pm 24 November',
        'window "Community grants" from 6pm 24 November to 5pm 4 December',
    ):
        assert moving.command("/deadline", words, user=OFFICER).public
    first = moving.command("/deadline", "list").everything
    assert first.index("Board papers") < first.index("Community grants")
    assert first.index("Community grants") < first.index("Quarterly return")
    clock.now += timedelta(hours=1)  # Board papers have passed
    second = moving.command("/deadline", "list")
    assert "Board papers" not in second.everything and "2 deadlines" in second.text
    clock.now += timedelta(hours=3)  # the window is open: now sorted by its close
    third = moving.command("/deadline", "list").everything
    assert third.index("Quarterly return") < third.index("Community grants")
    assert "open now" in third
    clock.now -= timedelta(hours=4)  # a clock that went back is answered afresh too
    assert "Board papers" in moving.command("/deadline", "list").everything


def test_a_reminder_that_fails_shows_in_a_list_read_before(
    officer, slack, dispatcher, clock, fake_slack
):
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    assert "invite me" not in slack.command("/deadline", "list").everything
    fake_slack.respond(
        "chat.postMessage", lambda call: (200, {"ok": False, "error": "not_in_channel"})
    )
    clock.at(2027, 7, 17, 17, 0)
    assert dispatcher().run_due().failed == 1
    assert "invite me with /invite @partnerbot" in slack.command("/deadline", "list").everything


def test_a_repeated_read_is_answered_from_memory(officer, slack, engine):
    officer("/budget", 'fund "Pooled fund" £6,000')
    officer("/budget", 'plan "Pooled fund" Venue hire £2,000')
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    statements: list[str] = []

    def record(connection, cursor, statement, *rest):
        if not threading.current_thread().name.startswith("home"):  # not Home refreshes
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    for command, words, table in (
        ("/budget", "", "budget_line"),
        ("/deadline", "list", "deadline"),
    ):
        first = slack.command(command, words)
        read = [s for s in statements if f"FROM {table}" in s]
        statements.clear()
        assert slack.command(command, words).everything == first.everything
        assert read and not [s for s in statements if f"FROM {table}" in s]
        statements.clear()


def test_a_remembered_list_is_rendered_again_only_when_its_text_changes(engine, monkeypatch):
    ctx = replace(CTX, user_id=OFFICER)
    dispatch(engine, ctx, "/partnership", "create Spelthorne LSP")
    dispatch(engine, ctx, "/deadline", 'add "Quarterly return" 5pm 31 July')
    rendered, render = [], deadline._listing
    monkeypatch.setattr(deadline, "_listing", lambda *a: rendered.append(1) or render(*a))

    def listed(later: timedelta) -> list[dict]:
        return dispatch(engine, replace(ctx, now=ctx.now + later), "/deadline", "list").blocks

    first = listed(timedelta(0))
    assert listed(timedelta(hours=1)) == first and len(rendered) == 1  # still "in 249 days"
    assert "in 248 days" in str(listed(timedelta(days=1))) and len(rendered) == 2


def test_a_remembered_answer_opens_no_transaction(officer, slack, engine):
    """From memory, a read needs only the partnership's current version, read in one
    statement outside any transaction; after a change it loads again."""
    officer("/budget", 'fund "Pooled fund" £6,000')
    officer("/deadline", 'add "Quarterly return" 5pm 31 July')
    test_thread, begun = threading.current_thread(), []
    event.listen(
        engine, "begin", lambda _: threading.current_thread() is test_thread and begun.append(1)
    )
    for command, words in READS + [("/budget", "show"), ("/deadline", "")]:
        first = slack.command(command, words)
        begun.clear()
        assert slack.command(command, words).everything == first.everything
        assert begun == [], f"{command} {words}"
    before = slack.command("/budget", "").everything
    officer("/budget", 'plan "Pooled fund" Venue hire £2,000')
    begun.clear()
    assert slack.command("/budget", "").everything != before
    assert begun


def test_a_read_outside_a_transaction_leaves_the_next_one_whole(engine, database_url):
    """read_row switches PostgreSQL's autocommit on for its one statement: the pooled
    connection must come back without it, or a later Session would commit each
    statement at once and its row locks would hold for nothing."""
    where = {"team_id": "T1", "channel_id": "C1"}
    assert partnership_for_channel_outside_transaction(engine, **where) is None
    other = make_engine(database_url)
    count = "SELECT count(*) FROM partnership"
    with Session(engine) as session:  # the pool's most recent connection: read_row's
        session.add(
            Partnership(team_id="T1", name="P", name_key="p", created_by="U1", created_at=NOW)
        )
        session.flush()
        with other.connect() as connection:
            assert connection.execute(text(count)).scalar() == 0  # not committed yet
        session.rollback()
    with other.connect() as connection:
        assert connection.execute(text(count)).scalar() == 0
    other.dispose()


def test_the_least_recently_used_result_goes_first():
    cache = ReadCache(entries=2)
    for key in ("a", "b"):
        cache.put(key, 1, Fresh(key))
    assert cache.get("a", 1, None) is not None  # a is now the most recent
    cache.put("c", 1, Fresh("c"))
    assert cache.get("b", 1, None) is None
    assert cache.get("a", 1, None).value == "a" and cache.get("c", 1, None).value == "c"
    assert cache.get("a", 2, None) is None  # another version


def test_a_result_holds_only_between_its_instants():
    fresh = Fresh("x", since=NOW, until=NOW + timedelta(minutes=1))
    assert fresh.holds_at(NOW) and fresh.holds_at(NOW + timedelta(seconds=59))
    assert not fresh.holds_at(NOW + timedelta(minutes=1))
    assert not fresh.holds_at(NOW - timedelta(microseconds=1))
    assert not fresh.holds_at(None)
    assert Fresh("y").holds_at(None) and Fresh("y").holds_at(NOW)


# --- Any sequence of changes and clock moves: a cached answer is the fresh answer ----


@pytest.fixture
def watched(engine):
    """On PostgreSQL, channels' partnerships are remembered too, as in a server."""
    watch = watch_partnerships(engine)
    if watch is not None:
        eventually(lambda: watch.connections == 1, what="the watch to listen")
    yield
    if watch is not None:
        watch.stop()


_channels = itertools.count(1)
# Hours ahead of the clock: mostly within the next few waits, so that dates fall due.
OFFSET = st.integers(min_value=1, max_value=72) | st.integers(min_value=1, max_value=24 * 400)
NUMBER = st.integers(min_value=1, max_value=4)
STEPS = st.one_of(
    st.tuples(st.just("add"), OFFSET),
    st.tuples(st.just("window"), OFFSET, OFFSET),
    st.tuples(st.just("move"), NUMBER, OFFSET),
    st.tuples(st.just("done"), NUMBER),
    st.tuples(st.just("remove"), NUMBER),
    st.tuples(st.just("fail"), NUMBER),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=60 * 48)),  # minutes
    st.tuples(st.just("plan"), st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("spend"), NUMBER, st.integers(min_value=0, max_value=5000)),
    st.tuples(st.just("cancel"), NUMBER),
)
READS = [("/budget", ""), ("/deadline", "list"), ("/deadline", "list all")]


def uk(at) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%H:%M} {local.day} {local:%B %Y}"


def command_for(step: tuple, now) -> tuple[str, str]:
    def at(hours: int) -> str:
        return uk(now + timedelta(hours=hours))

    match step:
        case ("add", hours):
            return "/deadline", f'add "Return {hours}" {at(hours)}'
        case ("window", one, other):
            return (
                "/deadline",
                f'window "Grants {one}" from {at(min(one, other))} to {at(one + other)}',
            )
        case ("move", number, hours):
            return "/deadline", f"move {number} {at(hours)}"
        case ("done" | "remove" as kind, number):
            return "/deadline", f"{kind} {number}"
        case ("plan", pounds):
            return "/budget", f'plan "Pooled fund" Venue hire £{pounds}'
        case ("spend", number, pounds):
            return "/budget", f"spend {number} £{pounds}"
        case ("cancel", number):
            return "/budget", f"cancel {number}"
    raise AssertionError(f"no command for {step}")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEPS, min_size=1, max_size=12))
def test_a_cached_answer_is_always_the_fresh_answer(engine, watched, steps):
    ctx = replace(CTX, channel_id=f"C{next(_channels)}", user_id=OFFICER)
    dispatch(engine, ctx, "/partnership", f"create Partnership {ctx.channel_id}")
    dispatch(engine, ctx, "/budget", 'fund "Pooled fund" £6,000')
    for step in steps:
        if step[0] == "wait":
            ctx = replace(ctx, now=ctx.now + timedelta(minutes=step[1]))
        elif step[0] == "fail":
            sql(
                engine,
                "UPDATE reminder SET state = 'failed', outcome = 'Slack refused it'"
                " WHERE subject = 'deadline' AND subject_id IN (SELECT d.id FROM deadline d"
                f" JOIN channel_link c ON c.partnership_id = d.partnership_id"
                f" WHERE c.channel_id = '{ctx.channel_id}' AND d.number = {step[1]})",
            )
        else:
            dispatch(engine, ctx, *command_for(step, ctx.now))
        for command, words in READS:
            remembered = dispatch(engine, ctx, command, words)
            fresh = fresh_answer(engine, ctx, command, words)
            assert (remembered.text, remembered.blocks) == (fresh.text, fresh.blocks), step


def fresh_answer(engine, ctx, command: str, words: str):
    """The answer with nothing remembered, leaving what the engine remembers as it was."""
    kept = read_cache._caches.pop(engine)
    memory = partnership_watch._memories.pop(engine, None)
    try:
        return dispatch(engine, ctx, command, words)
    finally:
        read_cache._caches[engine] = kept
        if memory is not None:
            partnership_watch._memories[engine] = memory
