"""Dates as officers really type them, each once misread, through signed slash commands
on both databases. "Now" is Tue 24 Nov 2026, 14:30 GMT (tests.conftest.NOW).

Each case names what went wrong before: `31 July at 10` was 31 July 2110, `at 5 on 31
July` was 5 July 2031, `1700hrs` the year 1700, `first working day of April` and `10-12
June` were refused, a window's notices were posted on Saturdays and bank holidays.
"""

from datetime import UTC, datetime

import icalendar
import pytest
from sqlmodel import Session, select

from bot.app import create_app
from storage.models import Deadline, Event, Reminder
from tests.helpers import dated_rows
from tests.slack_requests import SlackDriver

OFFICER = "U1OFFICER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Calderdale LSP", user=OFFICER).public
    return lambda command, text: slack.command(command, text, user=OFFICER)


def utc(*args) -> str:
    return datetime(*args, tzinfo=UTC).isoformat()


def deadline_due(engine) -> str:
    with Session(engine) as session:
        return session.exec(select(Deadline.due_at)).one().isoformat()


@pytest.mark.parametrize(
    "words, shown, due, note",
    [
        # A bare hour was a day or a year to dateparser.
        ("31 July at 10", "Sat 31 Jul 2027, 10:00 BST", utc(2027, 7, 31, 9), "not 10pm"),
        ("at 5 on 31 July", "Sat 31 Jul 2027, 17:00 BST", utc(2027, 7, 31, 16), "not 5am"),
        ("by 5 on 3 March", "Wed 3 Mar 2027, 17:00 GMT", utc(2027, 3, 3, 17), "not 5am"),
        ("Friday at 2", "Fri 27 Nov 2026, 14:00 GMT", utc(2026, 11, 27, 14), "not 2am"),
        ("tomorrow at 9", "Wed 25 Nov 2026, 09:00 GMT", utc(2026, 11, 25, 9), "not 9pm"),
        ("31 July at 12", "Sat 31 Jul 2027, 12:00 BST", utc(2027, 7, 31, 11), "not midnight"),
        # 5:30 and 5.30 were half past five in the morning.
        ("31 July 5.30", "Sat 31 Jul 2027, 17:30 BST", utc(2027, 7, 31, 16, 30), "not 5:30am"),
        ("5:30 on 31 July", "Sat 31 Jul 2027, 17:30 BST", utc(2027, 7, 31, 16, 30), "not 5:30am"),
        # Four figures were a year.
        ("by 1700hrs 31 July", "Sat 31 Jul 2027, 17:00 BST", utc(2027, 7, 31, 16), ""),
        ("by 1700 on 31 July", "Sat 31 Jul 2027, 17:00 BST", utc(2027, 7, 31, 16), ""),
        # The end of the working day, however the office says it.
        ("close of business Friday", "Fri 27 Nov 2026, 17:00 GMT", utc(2026, 11, 27, 17), ""),
        ("COB 31 July", "Sat 31 Jul 2027, 17:00 BST", utc(2027, 7, 31, 16), "COB taken"),
        ("EOD Friday", "Fri 27 Nov 2026, 17:00 GMT", utc(2026, 11, 27, 17), "EOD taken"),
        ("midday on 31 July", "Sat 31 Jul 2027, 12:00 BST", utc(2027, 7, 31, 11), ""),
        # A day of the month alone was the one already passed.
        ("by the 1st", "Tue 1 Dec 2026, 17:00 GMT", utc(2026, 12, 1, 17), "1st taken as"),
    ],
)
def test_a_deadline_is_read_as_typed_and_the_reading_echoed(
    officer, engine, words, shown, due, note
):
    reply = officer("/deadline", f'add "Monitoring return" {words}')
    assert reply.public, reply.text
    assert f"*Monitoring return* — {shown}" in reply.text
    assert note in reply.text
    assert deadline_due(engine) == due


@pytest.mark.parametrize(
    "words, problem, fix",
    [
        ("31 July at 7", "`at 7` could be 7 in the morning or 7 in the evening", "`7pm`"),
        ("7:30 on 31 July", "could be 7 in the morning or 7 in the evening", "`7:30am`"),
        ("7/31/2027", "has 31 as its month: dates here are day first", "`31/07/2027`"),
        ("by the 32nd", "No month has a day 32", "`by the 1st`"),
        ("first working day of April 99999", "can't read", "`31 July`"),
    ],
)
def test_a_time_or_date_that_could_be_misread_is_refused_with_what_to_type(
    officer, engine, words, problem, fix
):
    reply = officer("/deadline", f'add "Monitoring return" {words}')
    assert not reply.public
    assert problem in reply.text and fix in reply.text
    assert dated_rows(engine) == (0, 0)


@pytest.mark.parametrize(
    "words, nation, shown",
    [
        # Easter Monday is 2 April 2029 in England and Wales; Scotland works that day.
        ("first working day of April 2029", "england-and-wales", "Tue 3 Apr 2029, 17:00 BST"),
        ("first working day of April 2029", "scotland", "Mon 2 Apr 2029, 17:00 BST"),
        # New Year's Day on a Friday; Scotland's 2 January (a Saturday) moves to Monday.
        ("first working day of January", "england-and-wales", "Mon 4 Jan 2027, 17:00 GMT"),
        ("first working day of January", "scotland", "Tue 5 Jan 2027, 17:00 GMT"),
        ("by 5 on the last working day of March", "england-and-wales", "Wed 31 Mar 2027, 17:00"),
        ("second business day in May", "england-and-wales", "Wed 5 May 2027, 17:00 BST"),
    ],
)
def test_working_days_skip_the_partnerships_own_bank_holidays(officer, words, nation, shown):
    officer("/partnership", f"nation {nation}")
    reply = officer("/deadline", f'add "Board papers" by {words}')
    assert reply.public, reply.text
    assert f"*Board papers* — {shown}" in reply.text
    assert "working day of" in reply.text and "bank holidays of" in reply.text


def event_times(engine) -> tuple[str, str | None, str | None]:
    with Session(engine) as session:
        event = session.exec(select(Event)).one()
        ends = event.ends_at.isoformat() if event.ends_at else None
        return event.starts_at.isoformat(), ends, event.place


@pytest.mark.parametrize(
    "words, shown, starts, ends",
    [
        (
            "10-12 June",
            "Thu 10 Jun 2027, 09:00 BST to Sat 12 Jun 2027, 17:00 BST",
            utc(2027, 6, 10, 8),
            utc(2027, 6, 12, 16),
        ),
        (
            "10th to 12th June 2027 9.30am-4pm",
            "Thu 10 Jun 2027, 09:30 BST to Sat 12 Jun 2027, 16:00 BST",
            utc(2027, 6, 10, 8, 30),
            utc(2027, 6, 12, 15),
        ),
        (
            "Wed 30 June - Fri 2 July",
            "Wed 30 Jun 2027, 09:00 BST to Fri 2 Jul 2027, 17:00 BST",
            utc(2027, 6, 30, 8),
            utc(2027, 7, 2, 16),
        ),
        (
            "30 December - 2 January 2028",
            "Thu 30 Dec 2027, 09:00 GMT to Sun 2 Jan 2028, 17:00 GMT",
            utc(2027, 12, 30, 9),
            utc(2028, 1, 2, 17),
        ),
        (
            "12 March 2:00-4:00",  # hours without am/pm are the working day's
            "Fri 12 Mar 2027, 14:00–16:00 GMT",
            utc(2027, 3, 12, 14),
            utc(2027, 3, 12, 16),
        ),
    ],
)
def test_an_event_over_several_days_has_its_start_and_end(
    officer, engine, fake_slack, words, shown, starts, ends
):
    reply = officer("/event", f'add "Residential" {words} at Woking')
    assert reply.public, reply.text
    assert f"*Residential* — {shown}" in reply.text
    assert event_times(engine) == (starts, ends, "Woking")
    listed = officer("/event", "list")
    assert shown in listed.everything
    (vevent,) = calendar_file(officer, fake_slack).walk("VEVENT")
    assert vevent.decoded("dtend").astimezone(UTC).isoformat() == ends


def calendar_file(officer, fake_slack) -> icalendar.Calendar:
    assert ".ics" in officer("/deadline", "ical").text
    (upload,) = fake_slack.wait_for("upload")
    return icalendar.Calendar.from_ical(upload.body["content"])


def test_a_multi_day_event_without_times_says_what_was_assumed(officer):
    reply = officer("/event", 'add "Residential" 10-12 June at Woking')
    assert "no time given, so 09:00" in reply.text
    assert "no end time given, so it ends at 17:00" in reply.text


@pytest.mark.parametrize(
    "words, problem",
    [
        ("12 June - 10 June 2027", "That event ends (Thu 10 Jun 2027, 17:00 BST) before it starts"),
        ("30-31 June", "June 2027 has no day 31"),
        ("12 January at 7 at Halifax", "could be 7 in the morning or 7 in the evening"),
    ],
)
def test_an_event_that_cannot_be_is_refused(officer, engine, words, problem):
    reply = officer("/event", f'add "Residential" {words}')
    assert not reply.public and problem in reply.text
    assert dated_rows(engine) == (0, 0)


def test_a_bare_hour_before_a_place_is_the_time_not_the_place(officer, engine):
    reply = officer("/event", 'add "Delivery Group" on 12 January at 5 at Halifax Town Hall')
    assert "Tue 12 Jan 2027, 17:00 GMT" in reply.text and "at Halifax Town Hall" in reply.text
    assert event_times(engine) == (utc(2027, 1, 12, 17), None, "Halifax Town Hall")


def reminders(engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(select(Reminder)).all()
        return {r.rung: r.due_at.astimezone(UTC).isoformat() for r in rows}


def test_window_notices_never_fall_on_a_weekend_or_bank_holiday(officer, engine, fake_slack):
    """Opens Sat 3 Apr 2027; closes Sat 1 May 2027, and Mon 3 May is a bank holiday."""
    reply = officer("/deadline", 'window "Spring grants" from 3 April to 1 May')
    assert reply.public, reply.text
    assert "Opens Sat 3 Apr 2027, 09:00 BST" in reply.text  # the window itself never moves
    assert "Closes Sat 1 May 2027, 17:00 BST" in reply.text
    assert "the channel hears on Fri 2 Apr 2027, 09:00 BST, the working day before" in reply.text
    assert "hears it has closed on Tue 4 May 2027, 09:00 BST, the next working morning" in (
        reply.text
    )
    planned = reminders(engine)
    assert planned["opens"] == utc(2027, 4, 2, 8)
    assert planned["closed"] == utc(2027, 5, 4, 8)
    shown = officer("/deadline", "show 1")
    assert "• Fri 2 Apr 2027, 09:00 BST (when it opens)" in shown.text
    assert "its closed notice then comes at 09:00 on the next working day" in shown.text
    events = calendar_file(officer, fake_slack).walk("VEVENT")
    opening = next(e for e in events if str(e["summary"]).startswith("Opens"))
    (alarm,) = opening.walk("VALARM")
    assert alarm.decoded("trigger").astimezone(UTC).isoformat() == utc(2027, 4, 2, 8)


def test_a_window_opening_on_a_working_day_is_told_that_day(officer, engine):
    reply = officer("/deadline", 'window "Autumn grants" from 1 October 2027 to 31 January 2028')
    assert "day off" not in reply.text
    planned = reminders(engine)
    assert planned["opens"] == utc(2027, 10, 1, 8)
    assert planned["closed"] == utc(2028, 1, 31, 17)


def test_the_opening_notice_posted_the_day_before_says_when_it_opens(
    officer, dispatcher, clock, fake_slack
):
    officer("/deadline", 'window "Spring grants" from 3 April to 1 May')
    clock.at(2027, 4, 2, 9, 0)
    assert dispatcher().run_due().sent == 1
    clock.at(2027, 5, 4, 9, 0)
    assert dispatcher().run_due().sent >= 1
    texts = [c.body["text"] for c in fake_slack.calls_to("chat.postMessage")]
    assert any(
        t.startswith(
            ":large_green_circle: Applications open Sat 3 Apr 2027, 09:00 BST (in 1 day) for "
            "*Spring grants*, closing Sat 1 May 2027."
        )
        for t in texts
    ), texts
    assert any(
        t.startswith(":red_circle: *Spring grants* closed Sat 1 May 2027, 17:00 BST") for t in texts
    ), texts


@pytest.mark.parametrize(
    "words, shown, note",
    [
        # Weekday abbreviations dateparser does not know were refused.
        ("by Weds 31 March", "Wed 31 Mar 2027, 17:00 BST", "no time given"),
        ("by Thurs 1 April", "Thu 1 Apr 2027, 17:00 BST", "no time given"),
        ("by Thursday 1 April 2027 first thing", "Thu 1 Apr 2027, 09:00 BST", "first thing"),
    ],
)
def test_office_shorthand_is_read(officer, words, shown, note):
    reply = officer("/deadline", f'add "Monitoring return" {words}')
    assert f"*Monitoring return* — {shown}" in reply.text and note in reply.text


def test_a_shortened_weekday_that_does_not_match_its_date_is_still_questioned(officer, engine):
    reply = officer("/deadline", 'add "Monitoring return" by Weds 1 April')
    assert not reply.public and "1 April 2027 is a Thursday, not a Wednesday" in reply.text
    assert dated_rows(engine) == (0, 0)


@pytest.mark.parametrize(
    "words, shown, ends, note",
    [
        ("1 April 10am until noon", "Thu 1 Apr 2027, 10:00–12:00 BST", utc(2027, 4, 1, 11), ""),
        # Was refused as a two-digit year.
        ("1 April 10-12", "Thu 1 Apr 2027, 10:00–12:00 BST", utc(2027, 4, 1, 11), "`10-12` taken"),
        # Ended at 01:00, before it started.
        ("1 April 11am-1", "Thu 1 Apr 2027, 11:00–13:00 BST", utc(2027, 4, 1, 12), ""),
    ],
)
def test_an_event_time_range_as_people_write_it(officer, engine, words, shown, ends, note):
    reply = officer("/event", f'add "Seminar" {words}')
    assert f"*Seminar* — {shown}" in reply.text and note in reply.text
    assert event_times(engine)[1] == ends


@pytest.mark.parametrize(
    "words, place",
    [
        ("18 September – Southampton", "Southampton"),  # as the PtP bulletin lists them
        ("7 October - Kent", "Kent"),
        ("18 November – Milton Keynes", "Milton Keynes"),
        ("18 November – Monkton Hall", "Monkton Hall"),  # Mon… is not Monday
    ],
)
def test_a_place_after_a_dash_is_the_place(officer, engine, words, place):
    reply = officer("/event", f'add "Recession event" {words}')
    assert reply.public, reply.text
    assert event_times(engine)[2] == place


def test_a_date_after_a_dash_is_not_a_place(officer, engine):
    officer("/event", 'add "Residential" 10 June – 12 June')
    assert event_times(engine) == (utc(2027, 6, 10, 8), utc(2027, 6, 12, 16), None)


@pytest.mark.parametrize(
    "words",
    [
        "between 1 October 2027 and 31 January 2028",  # was refused
        "from 1 October 2027 - 31 January 2028",  # was refused
        "from 1 October 2027 to 31 January 2028",
    ],
)
def test_a_window_is_read_however_its_ends_are_joined(officer, engine, words):
    reply = officer("/deadline", f'window "Winter grants" {words}')
    assert "Opens Fri 1 Oct 2027, 09:00 BST" in reply.text
    assert "Closes Mon 31 Jan 2028, 17:00 GMT" in reply.text
    assert deadline_due(engine) == utc(2028, 1, 31, 17)


def test_a_window_moves_both_ends_with_between(officer, engine):
    officer("/deadline", 'window "Winter grants" from 1 October 2027 to 31 January 2028')
    reply = officer("/deadline", "move 1 between 1 November 2027 and 29 February 2028")
    assert reply.public, reply.text
    with Session(engine) as session:
        window = session.exec(select(Deadline)).one()
        assert window.opens_at.isoformat() == utc(2027, 11, 1, 9)
        assert window.due_at.isoformat() == utc(2028, 2, 29, 17)


def test_a_number_of_weeks_after_by_is_a_span_not_an_hour(officer, engine):
    reply = officer("/deadline", 'add "Monitoring return" by 3 weeks')
    assert "Tue 15 Dec 2026, 17:00 GMT" in reply.text and "taken as" not in reply.text


@pytest.mark.parametrize(
    "nation, command, words, note",
    [
        (
            "england-and-wales",
            "/deadline",
            'add "Bids" by 3 May 2027',
            "Mon 3 May 2027 is a bank holiday in England and Wales; the date stays",
        ),
        (
            "scotland",
            "/deadline",
            'add "Bids" by 5 on 4 January 2028',  # 2 January's substitute day
            "Tue 4 Jan 2028 is a bank holiday in Scotland; the date stays",
        ),
        (
            "england-and-wales",
            "/event",
            'add "Away day" 29 March 2027 10am',
            "Mon 29 Mar 2027 is a bank holiday in England and Wales",
        ),
    ],
)
def test_a_date_on_a_bank_holiday_is_kept_and_said(officer, engine, nation, command, words, note):
    officer("/partnership", f"nation {nation}")
    reply = officer(command, words)
    assert reply.public and note in reply.text


def test_a_date_on_a_working_day_says_nothing_of_holidays(officer):
    reply = officer("/deadline", 'add "Bids" by 4 May 2027')
    assert reply.public and "bank holiday" not in reply.text


@pytest.mark.parametrize(
    "words, title, shown",
    [
        # The title took the time, and the deadline fell back to 17:00.
        ("PtP proposals by 4pm on 31 July", "PtP proposals", "Sat 31 Jul 2027, 16:00 BST"),
        ("Grant use by noon on 26 September", "Grant use", "Sun 26 Sep 2027, 12:00 BST"),
        ("Report by 5 on 3 March", "Report", "Wed 3 Mar 2027, 17:00 GMT"),
        ("Meeting on budgets on 12 June", "Meeting on budgets", "Sat 12 Jun 2027, 17:00 BST"),
    ],
)
def test_a_time_before_the_last_on_belongs_to_the_date_not_the_title(
    officer, engine, words, title, shown
):
    reply = officer("/deadline", f"add {words}")
    assert f"*{title}* — {shown}" in reply.text
    with Session(engine) as session:
        assert session.exec(select(Deadline.title)).one() == title


def test_a_window_added_on_saturday_to_open_on_sunday_is_announced_as_it_opens(
    settings, engine, fake_slack
):
    """The working day before has passed: announced late beats never announced."""
    saturday = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    app = create_app(settings, engine, clock=lambda: saturday)
    slack = SlackDriver(app, team="T1", response_url=f"{fake_slack.url}response/T1")
    slack.command("/partnership", "create Calderdale LSP", user=OFFICER)
    reply = slack.command(
        "/deadline", 'window "Winter grants" from 10am tomorrow to 31 January 2028', user=OFFICER
    )
    assert (
        "Opens Sun 6 Dec 2026, 10:00 GMT" in reply.text and "opens on a day off" not in reply.text
    )
    assert reminders(engine)["opens"] == utc(2026, 12, 6, 10)
