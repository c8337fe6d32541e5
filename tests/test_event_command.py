"""/event through signed slash commands, on both databases: places, times and time
ranges read the way an officer types them, with "now" fixed at Tue 24 Nov 2026, 14:30
GMT (tests.conftest.NOW)."""

from functools import partial

import pytest
from sqlmodel import Session, select

from storage.models import Event
from tests.helpers import dated_rows

OFFICER = "U1OFFICER"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    return partial(slack.command, user=OFFICER)


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
    assert "Sat 18 Sep 2027, 09:00 BST" in reply.text
    assert "`at 9` taken as 09:00, not 9pm" in reply.text
    with Session(engine) as session:
        assert session.exec(select(Event.place)).one() is None


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


def test_the_ptp_bulletins_events_go_in_as_the_bulletin_writes_them(officer):
    """ptp-news-bulletin-2009.txt, pasted as it stands (with --past: it was 2009)."""
    lga = officer(
        "/event",
        'add "LGA Sustainable Communities Act conference" Wednesday 10 June 2009 '
        "(9.15am-3.40pm) at Local Government House Conference Centre, Smith Square --past",
    )
    assert "Wed 10 Jun 2009, 09:15–15:40 BST" in lga.text, lga.text
    assert "at Local Government House Conference Centre, Smith Square" in lga.text
    lsp = officer(
        "/event",
        'add "Local Strategic Partnerships ’09" Thursday 11 June 2009 (9am-4.30pm) '
        "at Inmarsat Conference Centre, London, EC1 --past",
    )
    assert "Thu 11 Jun 2009, 09:00–16:30 BST" in lsp.text, lsp.text


def test_one_event_or_deadline_is_counted_as_one(officer):
    officer("/event", 'add "Seminar" 18 September at 10am')
    assert officer("/event", "list").text == "1 event for Spelthorne LSP"
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 30 July')
    assert officer("/deadline", "list").text == "1 deadline for Spelthorne LSP"
    assert "(2 dates)" in officer("/deadline", "ical").text
