"""`/budget` and `/deadline list` always show what the database holds now, whoever made
the change and however, and what the clock says now."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.app import create_app
from storage.engine import make_engine
from tests.helpers import NOW
from tests.slack_requests import SlackDriver

OFFICER = "U1OFFICER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(command: str, words: str):
        reply = slack.command(command, words, user=OFFICER)
        assert reply.public, reply.text
        return reply

    return run


def sql(engine, statement: str) -> None:
    """A change made outside partnerbot's code: psql, or another replica's."""
    with engine.begin() as connection:
        connection.execute(text(statement))


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
    assert "1 deadline for" in slack.command("/deadline", "list").text
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
