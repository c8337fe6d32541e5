"""/deadline and /event through signed slash commands, on both databases, with "now"
fixed at Tue 24 Nov 2026, 14:30 GMT (tests.conftest.NOW)."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlmodel import Session, select

from storage.models import Deadline, Partnership, Reminder
from tests.helpers import dated_rows
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{MEMBER}|m> member", user=OFFICER)

    def run(command: str, text: str, user: str = OFFICER):
        return slack.command(command, text, user=user)

    return run


def test_add_repeats_the_deadline_in_full_with_its_number(officer, engine):
    reply = officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    assert reply.public
    assert (
        "added deadline *1*: *LAA exemplar proposals* — Sat 31 Jul 2027, 17:00 BST (in 249 days)"
        in reply.text
    )
    assert (
        "<!date^1817049600^{date_short_pretty} at {time}|Sat 31 Jul 2027, 17:00 BST>" in reply.text
    )
    with Session(engine) as session:
        deadline = session.exec(select(Deadline)).one()
    assert deadline.due_at.isoformat() == "2027-07-31T16:00:00+00:00"


def test_every_date_in_the_seed_papers_is_understood(officer):
    """Moved to the coming year, typed as the papers write them."""
    cases = [
        (
            "/deadline",
            'add "LAA exemplar proposals" by 5pm on 31 July',
            "Sat 31 Jul 2027, 17:00 BST",
        ),
        (
            "/deadline",
            "add Strategic Funding Programme applications by 12 June",
            "Sat 12 Jun 2027, 17:00 BST",
        ),
        (
            "/deadline",
            "add Regional Empowerment Partnership grants by 19th June",
            "Sat 19 Jun 2027, 17:00 BST",
        ),
        (
            "/deadline",
            "add Confirm how the grant is used by the 26th September",
            "Sun 26 Sep 2027, 17:00 BST",
        ),
        ("/deadline", "add Secondments end on 31 March", "Wed 31 Mar 2027, 17:00 BST"),
        (
            "/deadline",
            "add Surrey LSP officers meeting by November 12",
            "Fri 12 Nov 2027, 17:00 GMT",
        ),
        (
            "/event",
            '"LGA Sustainable Communities Act conference" 10 June 9.15am at Local Government House, London',
            "Thu 10 Jun 2027, 09:15 BST",
        ),
        (
            "/event",
            '"Local Strategic Partnerships ’09" 11 June 9am at Inmarsat Conference Centre, London',
            "Fri 11 Jun 2027, 09:00 BST",
        ),
        (
            "/event",
            '"Developing a partnership response to the recession" 18 September at Southampton',
            "Sat 18 Sep 2027, 09:00 BST",
        ),
        (
            "/event",
            '"Developing a partnership response to the recession" 7 October at Kent',
            "Thu 7 Oct 2027, 09:00 BST",
        ),
        (
            "/event",
            '"Developing a partnership response to the recession" 18 November at Milton Keynes',
            "Thu 18 Nov 2027, 09:00 GMT",
        ),
    ]
    for command, text, expected in cases:
        reply = officer(command, text if command == "/deadline" else f"add {text}")
        assert reply.public and expected in reply.text, (text, reply.text)


def test_a_funding_window_opens_and_closes(officer):
    reply = officer(
        "/deadline", 'window "PtP credit applications" from the end of May until September'
    )
    assert "Opens Mon 31 May 2027, 09:00 BST (in 188 days)" in reply.text
    assert "Closes Thu 30 Sep 2027, 17:00 BST (in 310 days)" in reply.text


def test_a_window_across_new_year_closes_in_the_year_after_it_opens(officer, engine):
    reply = officer("/deadline", 'window "Winter grants" from 1 October to 31 January')
    assert reply.public
    assert "Opens Thu 1 Oct 2026, 09:00 BST (54 days ago)" in reply.text
    assert "Closes Sun 31 Jan 2027, 17:00 GMT (in 68 days)" in reply.text
    assert "it closes in 2027, the year after it opens" in reply.text
    with Session(engine) as session:
        window = session.exec(select(Deadline)).one()
    assert (window.opens_at.isoformat(), window.due_at.isoformat()) == (
        "2026-10-01T08:00:00+00:00",
        "2027-01-31T17:00:00+00:00",
    )


def test_phrases_are_read_and_every_assumption_echoed(officer):
    midnight = officer("/deadline", 'add "Bids" midnight 30 July')
    assert "Fri 30 Jul 2027, 23:59 BST" in midnight.text
    assert "midnight taken as the end of that day, 23:59" in midnight.text
    assert "Fri 30 Jul 2027, 09:00 BST" in midnight.text  # the morning reminder is kept
    cop = officer("/deadline", 'add "Returns" COP first Monday in March')
    assert "Mon 1 Mar 2027, 17:00 GMT" in cop.text
    assert "COP taken as 17:00" in cop.text and "is Mon 1 Mar 2027" in cop.text
    year_end = officer("/deadline", 'add "Spend the grant" by the end of the financial year')
    assert "Wed 31 Mar 2027, 17:00 BST" in year_end.text
    assert "the financial year ends on 31 March" in year_end.text


def test_list_is_soonest_first_with_windows_by_opening_then_closing(officer, slack):
    officer("/deadline", 'add "Confirm grant use" 26 September')
    officer("/deadline", 'window "PtP credit applications" from 31 May to 30 September')
    officer("/deadline", 'window "Already open" from 1 November 2026 to 30 December --past')
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    text = officer("/deadline", "list").everything
    order = [
        "Already open",
        "PtP credit applications",
        "LAA exemplar proposals",
        "Confirm grant use",
    ]
    assert [text.index(t) for t in order] == sorted(text.index(t) for t in order)
    assert "open now, closes Wed 30 Dec 2026, 17:00 GMT (in 36 days)" in text
    assert (
        "opens Mon 31 May 2027, 09:00 BST (in 188 days), closes Thu 30 Sep 2027, 17:00 BST" in text
    )


def test_done_and_past_deadlines_leave_the_list_but_not_list_all(officer):
    officer("/deadline", 'add "Old call" 31 July 2009 5pm --past')
    officer("/deadline", 'add "Confirm grant use" 26 September')
    assert "done" in officer("/deadline", "done 2").text
    assert "No deadlines coming up" in officer("/deadline", "list").text
    everything = officer("/deadline", "list all").everything
    assert "~`#1` *Old call*" in everything and "_passed_" in everything
    assert "~`#2` *Confirm grant use*" in everything and "_done_" in everything


def test_move_remove_and_remind(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    moved = officer("/deadline", "move 1 5pm 7 August")
    assert (
        "to Sat 7 Aug 2027, 17:00 BST (in 256 days) (was Sat 31 Jul 2027, 17:00 BST)" in moved.text
    )
    assert (
        "reminders 14d, 7d, 2h, 30m before" in officer("/deadline", "remind 1 30m 14d 2h 7d").text
    )
    assert "no reminders" in officer("/deadline", "remind 1 none").text
    assert "(the default)" in officer("/deadline", "remind 1 default").text
    assert "removed deadline *1*" in officer("/deadline", "remove 1").text
    assert "There is no deadline 1" in officer("/deadline", "done 1").text
    with Session(engine) as session:
        assert session.exec(select(Deadline.removed_by)).one() == OFFICER  # kept, marked removed


def test_moving_a_window(officer):
    officer("/deadline", 'window "PtP credit applications" from 31 May to 30 September')
    assert "to Thu 30 Sep 2027" not in officer("/deadline", "move 1 from 1 June to 1 October").text
    listed = officer("/deadline", "list").everything
    assert (
        "opens Tue 1 Jun 2027, 09:00 BST" in listed and "closes Fri 1 Oct 2027, 17:00 BST" in listed
    )
    assert "close the window before it opens" in officer("/deadline", "move 1 1 May").text


@pytest.mark.parametrize(
    "command, text, problem",
    [
        ("/deadline", "add Proposals by a", "`a` isn't a date"),
        ("/deadline", "add Proposals by to", "`to` isn't a date"),
        ("/deadline", "add Proposals by soon", "`soon` isn't a date"),
        ("/deadline", "add Proposals 31 July", "Put the title in quotes"),
        ("/deadline", "add Proposals by 31 July 2009", "which has passed"),
        ("/deadline", "add Proposals by 15-12-18", "two-digit year"),
        ("/deadline", "add Proposals by Wednesday 10 June", "is a Thursday, not a Wednesday"),
        ("/deadline", "add Proposals by 28 March 2027 01:30", "does not exist in Europe/London"),
        ("/deadline", "add Proposals by " + "31 July " * 30, "I read at most 200"),
        ("/deadline", "add Proposals by 11pm EST 31 December 9999", "in the year 9999"),
        ("/deadline", "add Proposals by 1 January 0001 --past", "in the year 1;"),
        ("/deadline", "add Proposals by tomorrow 25:61", "`25:61` in `tomorrow 25:61` is not"),
        ("/event", "add Seminar on 9.75am tomorrow at Kent", "`9:75am` in"),
        ("/deadline", 'window "PtP" from 30 September 2027 to 31 May 2027', "closes"),
        (
            "/deadline",
            "add Proposals by 31 Jul 09",
            "Write the year in full, such as `31 July 2009`",
        ),
        ("/deadline", "add Proposals by 31-07-09", "Write the year in full, such as `31-07-2009`"),
        (
            "/deadline",
            "window PtP 31 May to 30 September",
            "separate it from the date with `from`",
        ),
        ("/deadline", 'window "PtP" from 31 May', "Say when the window opens and closes"),
        ("/deadline", "done 9", "There is no deadline 9"),
        ("/deadline", "done nine", "is not a deadline number"),
        ("/deadline", "done ¹", "is not a deadline number"),
        ("/deadline", "remind 9 1d", "There is no deadline 9"),
        ("/deadline", "frob", "`/deadline` has no `frob` option"),
        ("/event", "add Seminar on soon at Kent", "isn't a date"),
        ("/event", "move 4 1 May", "There is no event 4"),
        ("/event", "frob", "`/event` has no `frob` option"),
        ("/deadline", 'ad "Bids" 5pm 31 July', 'Did you mean `/deadline add "Bids" 5pm 31 July`?'),
    ],
)
def test_bad_input_is_refused_privately_with_what_to_type(officer, engine, command, text, problem):
    refused = officer(command, text)
    assert not refused.public and problem in refused.text
    assert "\n" in refused.text
    assert dated_rows(engine) == (0, 0)


def test_bad_ladders_are_refused(officer):
    officer("/deadline", 'add "X" 31 July')
    for ladder, problem in [("2w", "is not a reminder time"), ("400d", "none more than 365d")]:
        assert problem in officer("/deadline", f"remind 1 {ladder}").text


def test_only_officers_change_dates_but_anyone_reads_them(officer, engine):
    officer("/deadline", 'add "X" 31 July')
    officer("/event", 'add "Y" 18 September at Kent')
    before = dated_rows(engine)
    for command, text in [
        ("/deadline", 'add "Z" 1 August'),
        ("/deadline", "done 1"),
        ("/deadline", "move 1 1 Aug"),
        ("/deadline", "remove 1"),
        ("/deadline", "remind 1 none"),
        ("/event", 'add "Z" 1 August'),
        ("/event", "remove 1"),
    ]:
        assert "Only officers" in officer(command, text, user=MEMBER).text, text
    assert dated_rows(engine) == before
    assert (
        "*X*"
        in officer("/deadline", "list", user=MEMBER).text
        + officer("/deadline", "list", user=MEMBER).everything
    )


def test_another_workspace_sees_none_of_these_dates(app, officer):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    other = SlackDriver(app, team="T2")
    other.command("/partnership", "create Spelthorne LSP", user=OFFICER)
    assert "No deadlines coming up" in other.command("/deadline", "list", user=OFFICER).text
    assert "There is no deadline 1" in other.command("/deadline", "done 1", user=OFFICER).text


def test_user_text_is_escaped(officer):
    reply = officer("/deadline", 'add "<!channel> &amp; <https://evil.example|bank>" 31 July')
    assert (
        "<!channel>" not in reply.text
        and "&lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt;" in reply.text
    )


def test_ical_posts_a_calendar_that_parses(officer, fake_slack, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    officer("/deadline", 'window "PtP credit applications" from 31 May to 30 September')
    officer("/event", 'add "Recession seminar" 18 September 10am at Southampton')
    officer("/event", 'add "LGA conference" 10 June 9.15am-3.40pm')
    officer("/event", 'add "Night count" 31 March 3am')  # BST; a week before is GMT
    reply = officer("/deadline", "ical")
    assert "deadlines-spelthorne-lsp.ics" in reply.text and "(6 dates)" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    calendar = icalendar.Calendar.from_ical(upload.body["content"])
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Deadline: LAA exemplar proposals",
        "Opens: PtP credit applications",
        "Closes: PtP credit applications",
        "Recession seminar",
        "LGA conference",
        "Night count",
    }
    laa = events["Deadline: LAA exemplar proposals"]
    assert laa.decoded("DTSTART").isoformat() == "2027-07-31T16:00:00+00:00"
    assert "DTEND" not in laa and "DTEND" not in events["Recession seminar"]
    assert events["LGA conference"].decoded("DTEND").isoformat() == "2027-06-10T14:40:00+00:00"
    assert str(events["Recession seminar"]["LOCATION"]) == "Southampton"
    # Every alarm is a reminder the channel gets, at the same instant.
    with Session(engine) as session:
        planned = {(r.subject, r.subject_id, r.due_at) for r in session.exec(select(Reminder))}
    for event in calendar.walk("VEVENT"):
        kind, row_id = str(event["UID"]).split("@")[0].split("-")
        subject = "event" if kind == "event" else "deadline"
        for alarm in event.walk("VALARM"):
            assert (subject, int(row_id), alarm.decoded("TRIGGER")) in planned
    # Read without icalendar: absolute UTC times, local days kept across the clock change.
    lines = upload.body["content"].replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
    assert "TRIGGER;VALUE=DATE-TIME:20270716T160000Z" in lines  # Fri 16 Jul 17:00 BST
    assert "TRIGGER;VALUE=DATE-TIME:20270324T030000Z" in lines  # Wed 24 Mar 03:00 GMT
    assert not [line for line in lines if line.startswith("TRIGGER:-P")]


def test_a_long_list_shows_the_soonest_and_counts_the_rest(officer, engine):
    with Session(engine) as session:
        partnership = session.exec(select(Partnership)).one()
        for n in range(1, 151):
            session.add(
                Deadline(
                    team_id="T1",
                    partnership_id=partnership.id,
                    number=n,
                    title=f"Return {n}",
                    channel_id="C1",
                    due_at=datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=151 - n),
                    created_by=OFFICER,
                    created_at=datetime(2026, 11, 24, tzinfo=UTC),
                )
            )
        session.commit()
    reply = officer("/deadline", "list")
    assert reply.text == "150 deadlines for Spelthorne LSP"
    shown = reply.everything
    assert "Return 150" in shown and "Return 126" in shown  # the soonest LIST_ROWS
    assert "Return 125*" not in shown
    assert "…and 125 more; `/deadline ical` has every one of them." in shown
    assert len(reply.body["blocks"]) <= 50


@pytest.mark.parametrize(
    "command, first, second",
    [
        ("/deadline", 'add "LAA proposals" 5pm 31 July', 'add "laa  proposals" by 31 July 17:00'),
        (
            "/deadline",
            'window "PtP credit" from 31 May to 30 September',
            'window "PtP credit" from 1 June to 30 September',
        ),
        ("/event", 'add "Seminar" 18 September 10am at Kent', 'add "Seminar" 18 September 10am'),
    ],
)
def test_the_same_title_at_the_same_time_is_questioned_unless_again(
    officer, engine, command, first, second
):
    assert officer(command, first).public
    before = dated_rows(engine)
    asked = officer(command, second)
    assert not asked.public and "is already at" in asked.text and "`--again`" in asked.text
    assert dated_rows(engine) == before
    assert officer(command, f"{second} --again").public
    assert sum(dated_rows(engine)) == sum(before) + 1


def test_a_removed_or_moved_twin_is_no_twin(officer):
    officer("/deadline", 'add "Returns" 31 July')
    assert officer("/deadline", 'add "Returns" 1 August').public
    officer("/deadline", "remove 1")
    assert officer("/deadline", 'add "Returns" 31 July').public
