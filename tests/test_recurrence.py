"""Deadlines that come back every month, quarter or year: the next occurrence appears
when one is done or has passed, with its own reminders. "Now" is Tue 24 Nov 2026, 14:30
GMT (tests.helpers.NOW)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from commands.deadlines.recurrence import occurrence, roll_on_passed, take_repeat
from formatting.timefmt import uk_datetime
from storage.models import Deadline, Reminder, ReminderState
from tests.fake_slack import eventually
from tests.helpers import NOW
from tests.processes import BotProcess
from tests.reminder_rows import POSTED

LONDON = ZoneInfo("Europe/London")
OFFICER = "U1OFFICER"


def series(start: datetime, repeats: str, count: int) -> list[str]:
    return [
        uk_datetime(occurrence(start, periods, repeats, LONDON), LONDON)
        for periods in range(1, count + 1)
    ]


def test_a_quarter_end_stays_a_quarter_end_at_the_same_local_time():
    assert series(datetime(2027, 3, 31, 16, tzinfo=UTC), "quarter", 4) == [
        "Wed 30 Jun 2027, 17:00 BST",
        "Thu 30 Sep 2027, 17:00 BST",
        "Fri 31 Dec 2027, 17:00 GMT",
        "Fri 31 Mar 2028, 17:00 BST",
    ]


def test_months_keep_their_day_or_the_last_one_there_is():
    assert series(datetime(2027, 1, 15, 17, tzinfo=UTC), "month", 2) == [
        "Mon 15 Feb 2027, 17:00 GMT",
        "Mon 15 Mar 2027, 17:00 GMT",
    ]
    assert series(datetime(2027, 1, 30, 17, tzinfo=UTC), "month", 2) == [
        "Sun 28 Feb 2027, 17:00 GMT",
        # Counted from the first date, not from February's last day.
        "Tue 30 Mar 2027, 17:00 BST",
    ]
    assert series(datetime(2028, 2, 29, 17, tzinfo=UTC), "year", 1) == [
        "Wed 28 Feb 2029, 17:00 GMT"
    ]


@pytest.mark.parametrize(
    "text, left, repeats",
    [
        ("5pm 31 March every quarter", "5pm 31 March", "quarter"),
        ("31 March Every Month", "31 March", "month"),
        ("31 March quarterly", "31 March", "quarter"),
        ("31 March annually", "31 March", "year"),
        ("31 March", "31 March", None),
        ("every quarter", "every quarter", None),  # no date before it
    ],
)
def test_the_repeat_is_read_off_the_end(text, left, repeats):
    assert take_repeat(text) == (left, repeats)


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(command: str, text: str):
        return slack.command(command, text, user=OFFICER)

    return run


def rows(engine) -> list[tuple[int, str, str | None, bool]]:
    with Session(engine) as session:
        found = session.exec(select(Deadline).order_by(col(Deadline.number)))
        return [
            (d.number, uk_datetime(d.due_at, LONDON), d.repeats, d.done_at is not None)
            for d in found
        ]


def test_a_quarterly_return_done_brings_the_next_with_its_reminders(officer, engine):
    added = officer("/deadline", 'add "Quarterly monitoring return" 5pm 31 March every quarter')
    assert added.public and "Wed 31 Mar 2027, 17:00 BST" in added.text
    assert "Every quarter: once done or passed, the next is added (Wed 30 Jun 2027" in added.text
    done = officer("/deadline", "done 1")
    assert "Next: deadline *2*, Wed 30 Jun 2027, 17:00 BST" in done.text
    assert rows(engine) == [
        (1, "Wed 31 Mar 2027, 17:00 BST", None, True),
        (2, "Wed 30 Jun 2027, 17:00 BST", "quarter", False),
    ]
    with Session(engine) as session:
        pending = session.exec(
            select(Reminder.subject_id, Reminder.rung).where(
                Reminder.state == ReminderState.PENDING, POSTED
            )
        ).all()
    assert {rung for subject_id, rung in pending if subject_id == 2} == {
        "14d",
        "7d",
        "1d",
        "morning",
    }
    assert all(subject_id == 2 for subject_id, _ in pending)  # none left for the done one


def test_a_passed_occurrence_rolls_on_once_skipping_any_already_past(officer, engine):
    officer("/deadline", 'add "Monthly return" 5pm 30 November every month')
    for _ in range(2):  # a second run (another replica) adds nothing
        with Session(engine) as session:
            roll_on_passed(session, LONDON, NOW + timedelta(days=40))  # Mon 4 Jan 2027
            session.commit()
    assert rows(engine) == [
        (1, "Mon 30 Nov 2026, 17:00 GMT", None, False),
        (2, "Sun 31 Jan 2027, 17:00 GMT", "month", False),  # December's had passed too
    ]


def test_a_repeating_window_moves_both_ends(officer, engine):
    officer("/deadline", 'window "PtP credit" from 31 May to 30 September every year')
    officer("/deadline", "done 1")
    with Session(engine) as session:
        following = session.exec(select(Deadline).where(Deadline.number == 2)).one()
    assert uk_datetime(following.opens_at, LONDON) == "Wed 31 May 2028, 09:00 BST"
    assert uk_datetime(following.due_at, LONDON) == "Sat 30 Sep 2028, 17:00 BST"


def test_a_29th_comes_back_on_the_29th_after_february(officer, engine):
    officer("/deadline", 'add "Monthly return" 5pm 29 January 2027 every month')
    for number in (1, 2, 3):
        assert officer("/deadline", f"done {number}").public
    assert [row[1] for row in rows(engine)] == [
        "Fri 29 Jan 2027, 17:00 GMT",
        "Sun 28 Feb 2027, 17:00 GMT",
        "Mon 29 Mar 2027, 17:00 BST",
        "Thu 29 Apr 2027, 17:00 BST",
    ]


def test_a_series_moved_goes_on_from_where_it_was_moved(officer, engine):
    officer("/deadline", 'add "Monthly return" 5pm 29 January 2027 every month')
    officer("/deadline", "done 1")
    assert officer("/deadline", "move 2 5pm 26 February 2027").public
    officer("/deadline", "done 2")
    assert rows(engine)[-1][1] == "Fri 26 Mar 2027, 17:00 GMT"


@pytest.mark.process
def test_a_running_bot_rolls_on_an_occurrence_that_passed(officer, engine, env, tmp_path):
    # Added at tests.helpers.NOW; the bot runs on the real clock, after 30 November 2026.
    officer("/deadline", 'add "Monthly return" 5pm 30 November every month')
    bot = BotProcess(env, tmp_path / "bot.log").start()
    try:
        eventually(lambda: len(rows(engine)) == 2, what="the next occurrence")
    finally:
        assert bot.stop() == 0
    (_, following) = rows(engine)
    assert following[2:] == ("month", False)
