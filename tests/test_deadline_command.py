"""/deadline and /event through signed slash commands, on both databases, with "now"
fixed at Tue 24 Nov 2026, 14:30 GMT (tests.conftest.NOW)."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlmodel import Session, select

from storage.models import Deadline, Event, Partnership
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
    midnight = officer("/deadline", 'add "Bids" midnight 31 July')
    assert "Sat 31 Jul 2027, 23:59 BST" in midnight.text
    assert "midnight taken as the end of that day, 23:59" in midnight.text
    assert "Sat 31 Jul 2027, 09:00 BST" in midnight.text  # the morning reminder is kept
    cop = officer("/deadline", 'add "Returns" COP first Monday in March')
    assert "Mon 1 Mar 2027, 17:00 GMT" in cop.text
    assert "close of play taken as 17:00" in cop.text and "is Mon 1 Mar 2027" in cop.text
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


def test_event_places_are_not_times(officer):
    at_ten = officer("/event", 'add "Seminar" 18 September at 10am')
    assert "Sat 18 Sep 2027, 10:00 BST" in at_ten.text and " at 10am" not in at_ten.text
    both = officer("/event", 'add "Workshop" 7 October at noon at County Hall, Kingston')
    assert "Thu 7 Oct 2027, 12:00 BST (in 317 days) at County Hall, Kingston" in both.text
    listed = officer("/event", "list").everything
    assert listed.index("Seminar") < listed.index("Workshop")


@pytest.mark.parametrize(
    "words, when, place",
    [
        (
            "18 September 10am at 10 Downing Street",
            "Sat 18 Sep 2027, 10:00 BST",
            "10 Downing Street",
        ),
        ("18 September at 9am at 1 Market Square", "Sat 18 Sep 2027, 09:00 BST", "1 Market Square"),
        (
            "18 September at 2 pm at 221B Baker Street",
            "Sat 18 Sep 2027, 14:00 BST",
            "221B Baker Street",
        ),
        ("18 September at 10.30 at Woking", "Sat 18 Sep 2027, 10:30 BST", "Woking"),
        ("18 September at 14:00", "Sat 18 Sep 2027, 14:00 BST", None),
        ("18 September at 11 am", "Sat 18 Sep 2027, 11:00 BST", None),
    ],
)
def test_a_place_may_start_with_a_number_but_a_time_is_a_time(officer, engine, words, when, place):
    reply = officer("/event", f'add "Seminar" {words}')
    assert when in reply.text, reply.text
    with Session(engine) as session:
        assert session.exec(select(Event.place)).one() == place


@pytest.mark.parametrize(
    "words",
    ["18 September at 12 noon", "18 September at 10 a.m.", "18 September at Woking at 10am"],
)
def test_a_time_after_at_is_never_taken_for_a_place(officer, engine, words):
    officer("/event", f'add "Seminar" {words}')
    with Session(engine) as session:
        assert session.exec(select(Event.place)).all() in ([], [None])


def test_moving_an_event_to_a_time_keeps_its_place(officer, engine):
    officer("/event", 'add "Seminar" 18 September 10am at 10 Downing Street')
    officer("/event", "move 1 7 October at 12 noon")
    with Session(engine) as session:
        assert session.exec(select(Event.place)).one() == "10 Downing Street"


def test_a_bare_hour_is_read_as_part_of_the_date_not_as_a_place(officer, engine):
    reply = officer("/event", 'add "Seminar" 18 September at 9')
    assert "I can't read `18 September at 9` as a date" in reply.text
    assert dated_rows(engine) == (0, 0)


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


def test_ical_posts_a_calendar_that_parses(officer, fake_slack):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    officer("/deadline", 'window "PtP credit applications" from 31 May to 30 September')
    officer("/event", 'add "Recession seminar" 18 September 10am at Southampton')
    reply = officer("/deadline", "ical")
    assert "deadlines-spelthorne-lsp.ics" in reply.text and "(4 dates)" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    calendar = icalendar.Calendar.from_ical(upload.body["content"])
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "Deadline: LAA exemplar proposals",
        "Opens: PtP credit applications",
        "Closes: PtP credit applications",
        "Recession seminar",
    }
    laa = events["Deadline: LAA exemplar proposals"]
    assert laa.decoded("DTSTART").isoformat() == "2027-07-31T16:00:00+00:00"
    triggers = sorted(a.decoded("TRIGGER") for a in laa.walk("VALARM"))
    assert [str(-t) for t in triggers] == [
        "14 days, 0:00:00",
        "7 days, 0:00:00",
        "1 day, 0:00:00",
        "8:00:00",
    ]
    assert str(events["Recession seminar"]["LOCATION"]) == "Southampton"


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
    "words, shown, start, end",
    [
        ("10 June 9.15am-3.40pm", "Thu 10 Jun 2027, 09:15–15:40 BST", "08:15", "14:40"),
        ("11 June 9am-4.30pm", "Fri 11 Jun 2027, 09:00–16:30 BST", "08:00", "15:30"),
        ("11 June 9am to 4.30pm", "Fri 11 Jun 2027, 09:00–16:30 BST", "08:00", "15:30"),
        ("10 June (9.15am to 3.40pm)", "Thu 10 Jun 2027, 09:15–15:40 BST", "08:15", "14:40"),
        ("12 March 10:00–12:30", "Fri 12 Mar 2027, 10:00–12:30 GMT", "10:00", "12:30"),
        ("12 March from 2pm until 4pm", "Fri 12 Mar 2027, 14:00–16:00 GMT", "14:00", "16:00"),
        ("12 March 2-4pm", "Fri 12 Mar 2027, 14:00–16:00 GMT", "14:00", "16:00"),
    ],
)
def test_an_event_given_a_time_range_has_a_start_and_an_end(
    officer, engine, words, shown, start, end
):
    reply = officer("/event", f'add "LGA conference" {words} at Local Government House')
    assert reply.public and shown in reply.text, reply.text
    assert "at Local Government House" in reply.text
    with Session(engine) as session:
        event = session.exec(select(Event)).one()
    assert (f"{event.starts_at:%H:%M}", f"{event.ends_at:%H:%M}") == (start, end)
    assert shown in officer("/event", "list").everything


def test_an_event_without_a_range_has_no_end_and_moving_it_keeps_its_length(officer, engine):
    officer("/event", 'add "Seminar" 18 September 10am')
    officer("/event", 'add "Workshop" 7 October 9.15am-3.40pm')
    officer("/event", "move 2 8 October 10am")
    with Session(engine) as session:
        ends = dict(session.exec(select(Event.title, Event.ends_at)).all())
    assert ends["Seminar"] is None
    assert ends["Workshop"].isoformat() == "2027-10-08T15:25:00+00:00"  # 16:25 BST
    assert "Fri 8 Oct 2027, 10:00–16:25 BST" in officer("/event", "list").everything


@pytest.mark.parametrize(
    "words, problem",
    [
        ("10 June 4pm-2pm", "That event ends (14:00) before it starts (16:00)"),
        ("10 June 9am-25:00", "`25:00` is not a time of day"),
    ],
)
def test_a_range_that_cannot_be_is_refused(officer, engine, words, problem):
    refused = officer("/event", f'add "Seminar" {words}')
    assert not refused.public and problem in refused.text
    assert dated_rows(engine) == (0, 0)


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
