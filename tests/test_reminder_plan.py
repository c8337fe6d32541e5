"""When reminders fall due: ladders on the local calendar, clock changes, and the outbox
re-planned in the same transaction as every change to a deadline or event.

"Now" is Tue 24 Nov 2026, 14:30 GMT (tests.helpers.NOW).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from reminders.deadline import deadline_rungs
from reminders.ladder import before
from reminders.planning import plan_all
from storage.models import Deadline, Partnership, Reminder, ReminderState
from storage.outbox import HOME_ONLY
from tests.helpers import NOW
from tests.reminder_rows import POSTED, due_reminders

LONDON = ZoneInfo("Europe/London")
OFFICER = "U1OFFICER"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def shown(instant: datetime) -> str:
    return instant.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z")


def test_whole_days_keep_the_local_time_across_the_spring_clock_change():
    due = local(2027, 4, 2, 17, 0)  # BST; the clocks went forward on Sun 28 Mar
    assert shown(before(due, timedelta(days=7), LONDON)) == "Fri 26 Mar 2027 17:00 GMT"
    # One hour less than seven days of elapsed time.
    assert due - before(due, timedelta(days=7), LONDON) == timedelta(days=6, hours=23)


def test_whole_days_keep_the_local_time_across_the_autumn_clock_change():
    due = local(2027, 11, 2, 17, 0)  # GMT; the clocks went back on Sun 31 Oct
    assert shown(before(due, timedelta(days=7), LONDON)) == "Tue 26 Oct 2027 17:00 BST"


def test_hours_and_minutes_are_exact_even_across_a_clock_change():
    due = local(2027, 3, 28, 3, 30)  # BST, 90 minutes of wall clock after 01:00 GMT
    assert due - before(due, timedelta(hours=2), LONDON) == timedelta(hours=2)
    assert shown(before(due, timedelta(hours=2), LONDON)) == "Sun 28 Mar 2027 00:30 GMT"


def _deadline(**fields) -> Deadline:
    defaults = dict(
        id=1, team_id="T1", partnership_id=1, number=1, title="t", created_by="U", created_at=None
    )
    return Deadline(**(defaults | fields))


@pytest.mark.parametrize(
    "due, morning",
    [
        (local(2027, 7, 30, 17, 0), "Fri 30 Jul 2027 09:00 BST"),
        (local(2027, 1, 29, 17, 0), "Fri 29 Jan 2027 09:00 GMT"),
        # Easter Sunday, the day the clocks change: the working day before is Thursday.
        (local(2027, 3, 28, 17, 0), "Thu 25 Mar 2027 09:00 GMT"),
    ],
)
def test_the_default_ladder_is_14_7_1_days_and_0900_on_the_day(due, morning):
    rungs = {rung.name: rung for rung in deadline_rungs(_deadline(due_at=due), LONDON)}
    assert list(rungs) == ["14d", "7d", "1d", "morning"]
    assert shown(rungs["morning"].due_at) == morning
    assert all(rung.expires_at == due for rung in rungs.values())
    assert shown(rungs["1d"].due_at)[-9:-4] == "17:00"  # the same local time, whatever the zone


def test_a_deadline_at_or_before_nine_has_no_morning_reminder():
    rungs = deadline_rungs(_deadline(due_at=local(2027, 7, 30, 9, 0)), LONDON)
    assert [rung.name for rung in rungs] == ["14d", "7d", "1d"]


def test_a_window_announces_its_opening_then_its_closing_ladder_then_its_close():
    window = _deadline(opens_at=local(2027, 5, 31, 9, 0), due_at=local(2027, 6, 10, 17, 0))
    rungs = deadline_rungs(window, LONDON)
    # 14 days before closing is before it opens: dropped.
    assert [rung.name for rung in rungs] == ["opens", "7d", "1d", "morning", "closed"]
    closed = rungs[-1]
    assert closed.due_at == window.due_at and closed.expires_at > window.due_at
    assert rungs[0].expires_at == window.due_at


def test_none_done_and_removed_deadlines_have_no_reminders():
    due = local(2027, 7, 30, 17, 0)
    assert deadline_rungs(_deadline(due_at=due, reminders="none"), LONDON) == []
    assert deadline_rungs(_deadline(due_at=due, done_at=datetime.now(UTC)), LONDON) == []
    assert deadline_rungs(_deadline(due_at=due, removed_at=datetime.now(UTC)), LONDON) == []


# Through signed slash commands: the outbox changes in the command's own transaction.


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(command: str, text: str, user: str = OFFICER):
        return slack.command(command, text, user=user)

    return run


def pending(engine, *, posted: bool = True) -> list[tuple[str, str, str]]:
    """The reminders a channel will hear (or, posted=False, the Home refreshes)."""
    where = Reminder.channel_id != HOME_ONLY if posted else Reminder.channel_id == HOME_ONLY
    with Session(engine) as session:
        rows = session.exec(
            select(Reminder)
            .where(Reminder.state == ReminderState.PENDING, where)
            .order_by(Reminder.due_at)
        )
        return [(r.subject, r.rung, shown(r.due_at)) for r in rows]


def test_adding_a_deadline_plans_its_reminders_in_its_channel(officer, engine):
    reply = officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    assert reply.public
    # A Saturday deadline: the reminders that would fall on Saturdays come on Fridays.
    assert reply.text.endswith(
        "\n:bell: Reminders in <#C1>: Fri 16 Jul 2027, 17:00 BST · Fri 23 Jul 2027, 17:00 BST"
        " · Fri 30 Jul 2027, 09:00 BST · Fri 30 Jul 2027, 17:00 BST"
    )
    assert pending(engine) == [
        ("deadline", "14d", "Fri 16 Jul 2027 17:00 BST"),
        ("deadline", "7d", "Fri 23 Jul 2027 17:00 BST"),
        ("deadline", "morning", "Fri 30 Jul 2027 09:00 BST"),
        ("deadline", "1d", "Fri 30 Jul 2027 17:00 BST"),
    ]
    with Session(engine) as session:
        assert {r.channel_id for r in session.exec(select(Reminder).where(POSTED))} == {"C1"}


def test_rungs_already_past_are_not_planned(officer, engine):
    reply = officer("/deadline", "add Confirm grant use by 5pm 27 November")  # in three days
    assert "Reminders in <#C1>: Thu 26 Nov 2026, 17:00 GMT · Fri 27 Nov 2026, 09:00 GMT" in (
        reply.text
    )
    assert [rung for _, rung, _ in pending(engine)] == ["1d", "morning"]


def test_moving_a_deadline_replaces_its_pending_reminders(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    assert officer("/deadline", "move 1 5pm 7 August").public
    assert pending(engine)[0] == ("deadline", "14d", "Fri 23 Jul 2027 17:00 BST")
    assert len(pending(engine)) == 4


def test_a_rung_once_sent_is_not_planned_again_after_moving_back(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    with Session(engine) as session:
        first = session.exec(select(Reminder).where(Reminder.rung == "14d")).one()
        first.state = ReminderState.SENT
        session.add(first)
        session.commit()
    officer("/deadline", "move 1 5pm 7 August")
    officer("/deadline", "move 1 5pm 31 July")
    assert [rung for _, rung, _ in pending(engine)] == ["7d", "morning", "1d"]


@pytest.mark.parametrize("change", ["done 1", "remove 1", "remind 1 none"])
def test_finishing_removing_or_silencing_a_deadline_drops_its_reminders(officer, engine, change):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    assert officer("/deadline", change).public
    assert pending(engine) == []


def test_a_custom_ladder_replaces_the_default(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    reply = officer("/deadline", "remind 1 2d 2h")
    # 2h before a Saturday 17:00 would be Saturday: it comes on Friday at 15:00.
    assert "Reminders in <#C1>: Thu 29 Jul 2027, 17:00 BST · Fri 30 Jul 2027, 15:00 BST" in (
        reply.text
    )
    assert pending(engine) == [
        ("deadline", "2d", "Thu 29 Jul 2027 17:00 BST"),
        ("deadline", "2h", "Fri 30 Jul 2027 15:00 BST"),
    ]


def test_a_refused_change_leaves_the_reminders_alone(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    before_refusal = pending(engine)
    assert not officer("/deadline", "move 1 5pm 7 August", user="U9STRANGER").public
    assert not officer("/deadline", "move 1 next blursday").public
    assert pending(engine) == before_refusal


def test_events_remind_7_days_and_1_day_before(officer, engine):
    officer("/event", "add Surrey LSP officers meeting on 12 March 2pm at Woking")
    assert pending(engine) == [
        ("event", "7d", "Fri 05 Mar 2027 14:00 GMT"),
        ("event", "1d", "Thu 11 Mar 2027 14:00 GMT"),
    ]
    officer("/event", "move 1 2 April 10am")  # after the clocks go forward
    assert pending(engine) == [
        ("event", "7d", "Thu 25 Mar 2027 10:00 GMT"),  # Fri 26 Mar is Good Friday
        ("event", "1d", "Thu 01 Apr 2027 10:00 BST"),
    ]
    officer("/event", "remove 1")
    assert pending(engine) == []


def test_dates_from_before_reminders_get_theirs_at_start_and_nothing_twice(officer, engine):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    officer("/event", "add Officers meeting on 12 March 2pm at Woking")
    planned_by_commands = pending(engine)
    with Session(engine) as session:  # as a database from before reminders would be
        for row in session.exec(select(Reminder)):
            session.delete(row)
        session.commit()
    for _ in range(2):  # two replicas starting, or one starting twice
        with Session(engine) as session:
            plan_all(session, LONDON, NOW)
            session.commit()
    assert pending(engine) == planned_by_commands
    assert pending(engine, posted=False) == [
        ("event", "passed", "Fri 12 Mar 2027 14:00 GMT"),
        ("deadline", "passed", "Sat 31 Jul 2027 17:00 BST"),
    ]


def test_start_up_plans_thousands_of_dates_more_than_one_statement_can_carry(engine):
    """4,000 rows of 19 columns are 76,000 values: PostgreSQL takes at most 65,535 in
    one statement, and `partnerbot run` used to stop at start with that error."""
    due_reminders(engine, channels=40, per_channel=100)  # deadlines with no Home refresh
    with Session(engine) as session:
        plan_all(session, LONDON, datetime.now(UTC))
        session.commit()
    with Session(engine) as session:
        home_only = select(Reminder).where(Reminder.channel_id == HOME_ONLY)
        assert len(session.exec(home_only).all()) == 4000


# Working days: weekends and the bank holidays of the partnership's nation.


def test_a_one_day_reminder_before_wed_29_dec_2027_comes_on_fri_24_dec(officer, engine):
    """Mon 27 and Tue 28 Dec 2027 are bank holidays (Christmas and Boxing Day observed)."""
    officer("/deadline", 'add "Grant return" 5pm 29 December 2027')
    reply = officer("/deadline", "remind 1 1d")
    assert "Reminders in <#C1>: Fri 24 Dec 2027, 17:00 GMT" in reply.text
    assert pending(engine) == [("deadline", "1d", "Fri 24 Dec 2027 17:00 GMT")]
    shown_ = officer("/deadline", "show 1").text
    assert "Due Wed 29 Dec 2027, 17:00 GMT" in shown_  # the deadline itself never moves
    assert "• Fri 24 Dec 2027, 17:00 GMT (1d before)" in shown_


def test_show_lists_the_reminders_actually_planned_each_on_its_weekday(officer):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    shown_ = officer("/deadline", "show 1").text
    assert "`#1` *LAA exemplar proposals*\nDue Sat 31 Jul 2027, 17:00 BST (in 249 days)" in shown_
    assert (
        "Reminders planned in <#C1>:\n• Fri 16 Jul 2027, 17:00 BST (14d before)\n"
        "• Fri 23 Jul 2027, 17:00 BST (7d before)\n"
        "• Fri 30 Jul 2027, 09:00 BST (the morning of the day)\n"
        "• Fri 30 Jul 2027, 17:00 BST (1d before)"
    ) in shown_
    officer("/deadline", "remind 1 none")
    assert "No reminders still to come." in officer("/deadline", "show 1").text
    assert "There is no deadline 2" in officer("/deadline", "show 2").text


def test_a_partnership_in_scotland_keeps_off_scottish_bank_holidays(officer, engine):
    """Tue 5 Jan 2027: the day before is Mon 4 Jan, a holiday in Scotland alone (2 January
    observed), and Fri 1 Jan is New Year's Day everywhere."""
    officer("/deadline", 'add "Board papers" 5pm 5 January 2027')
    officer("/deadline", "remind 1 1d")
    assert pending(engine) == [("deadline", "1d", "Mon 04 Jan 2027 17:00 GMT")]
    reply = officer("/partnership", "nation Scotland")
    assert reply.public and "to Scotland" in reply.text
    assert pending(engine) == [("deadline", "1d", "Thu 31 Dec 2026 17:00 GMT")]
    assert "Scotland" in officer("/partnership", "nation").text
    officer("/partnership", "nation england-and-wales")
    assert pending(engine) == [("deadline", "1d", "Mon 04 Jan 2027 17:00 GMT")]


def test_event_reminders_keep_off_weekends_too(officer, engine):
    officer("/event", 'add "Away day" 10am 6 March 2027')  # a Saturday
    assert pending(engine) == [
        ("event", "7d", "Fri 26 Feb 2027 10:00 GMT"),
        ("event", "1d", "Fri 05 Mar 2027 10:00 GMT"),
    ]


@pytest.mark.parametrize(
    "text, problem",
    [("nation France", "`France` is not a UK nation"), ("nation", "England and Wales")],
)
def test_the_nation_is_asked_for_by_name(officer, engine, text, problem):
    assert problem in officer("/partnership", text).text
    with Session(engine) as session:
        assert session.exec(select(Partnership.nation)).one() == "england-and-wales"


def test_only_officers_change_the_nation(officer, engine):
    assert "Only officers" in officer("/partnership", "nation scotland", user="U2MEMBER").text
    with Session(engine) as session:
        assert session.exec(select(Partnership.nation)).one() == "england-and-wales"
