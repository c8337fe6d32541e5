"""The Home tab follows the clock: when a date passes, an event starts or a window opens
or closes, the partnership's recent Home viewers get their Home republished showing it,
through the dispatcher `partnerbot run` builds (bot.reminder_service.build_dispatcher),
whether or not a reminder is posted at that moment or the date has a channel at all.
Dates are added at Tue 24 Nov 2026, 14:30 GMT (tests.helpers.NOW)."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from bot.reminder_service import build_dispatcher
from reminders.planning import plan_all
from storage.models import Deadline, HomeViewer
from storage.partnerships import recent_home_viewers
from tests.fake_slack import eventually
from tests.fake_time import LONDON
from tests.helpers import NOW, open_home

OFFICER, CHAIR, MEMBER = "U1OFFICER", "U2CHAIR", "U3MEMBER"
WINDOW = "*PtP credit applications*"


@pytest.fixture
def partnership(slack, fake_slack):
    def officer(command, text):
        assert slack.command(command, text, user=OFFICER).public

    officer("/partnership", "create Spelthorne LSP")
    officer("/partnership", f"role <@{CHAIR}|nick> chair")
    officer("/partnership", f"role <@{MEMBER}|m> member")
    officer("/deadline", 'window "PtP credit applications" from 1 December to 30 January')
    return officer


@pytest.fixture
def run_reminders(settings, engine, clock, fake_slack):
    fake_slack.clock = clock
    dispatcher = build_dispatcher(settings, engine, clock, sleep=clock.sleep)
    yield dispatcher.run_due
    dispatcher.close()


def homes_of(fake_slack, user: str) -> list[str]:
    """The text of each Home view published for `user`, oldest first."""
    views = [
        c.body["view"] for c in fake_slack.calls_to("views.publish") if c.body["user_id"] == user
    ]
    return [json.dumps(json.loads(v) if isinstance(v, str) else v) for v in views]


def shown(fake_slack, user: str, wanted: str) -> str:
    return eventually(
        lambda: next((h for h in reversed(homes_of(fake_slack, user)) if wanted in h), None),
        what=f"a Home for {user} showing {wanted!r}",
    )


def test_a_window_opening_republishes_its_viewers_homes_showing_it_open(
    partnership, slack, fake_slack, clock, run_reminders
):
    open_home(slack, CHAIR)
    assert f"{WINDOW} opens Tue 1 Dec 2026" in shown(fake_slack, CHAIR, "opens")
    fake_slack.drained()
    before = len(homes_of(fake_slack, CHAIR))

    clock.at(2026, 12, 1, 9, 0)
    assert run_reminders().sent == 1  # "Applications open today …"
    home = shown(fake_slack, CHAIR, f"{WINDOW} closes")
    assert f":alarm_clock: {WINDOW} closes Sat 30 Jan 2027" in home and " opens " not in home
    fake_slack.drained()
    assert len(homes_of(fake_slack, CHAIR)) == before + 1  # once, for the one change
    assert homes_of(fake_slack, MEMBER) == []  # never opened it: built when first opened


def opened_at(engine, user: str, when) -> None:
    """As if `user` last opened the Home tab at `when`."""
    with Session(engine) as session:
        session.exec(
            update(HomeViewer).where(HomeViewer.user_id == user).values(last_opened_at=when)
        )
        session.commit()


def test_a_window_closing_republishes_recent_viewers_only(
    partnership, slack, fake_slack, clock, engine, run_reminders
):
    for user in (CHAIR, OFFICER):
        open_home(slack, user)
        shown(fake_slack, user, WINDOW)
    fake_slack.drained()
    opened_at(engine, CHAIR, NOW + timedelta(days=60))  # 24 Jan 2027: lately
    # The officer's was 24 Nov 2026, over a month before the window closes.
    officer_homes = len(homes_of(fake_slack, OFFICER))

    # It closes on Saturday 30 January: the Home follows the clock then, though the
    # channel's ":red_circle: … closed" waits for Monday morning (reminders.window).
    clock.at(2027, 1, 30, 17, 1)
    assert run_reminders().sent == 0
    assert "Nothing coming up." in shown(fake_slack, CHAIR, "Nothing coming up.")
    fake_slack.drained()
    assert len(homes_of(fake_slack, OFFICER)) == officer_homes


def test_a_reminder_that_changes_nothing_shown_republishes_nothing(
    partnership, slack, fake_slack, clock, run_reminders
):
    partnership("/deadline", 'add "LAA exemplar proposals" 5pm 3 December')
    open_home(slack, CHAIR)
    shown(fake_slack, CHAIR, "LAA exemplar proposals")
    fake_slack.drained()
    before = len(homes_of(fake_slack, CHAIR))
    clock.at(2026, 11, 26, 17, 0)  # the 7-day reminder, before the window opens
    assert run_reminders().sent == 1
    fake_slack.drained()
    assert len(homes_of(fake_slack, CHAIR)) == before


def test_recent_viewers_are_the_latest_first_and_bounded(partnership, slack, fake_slack, engine):
    for user in (OFFICER, CHAIR, MEMBER):
        open_home(slack, user)
    fake_slack.drained()
    opened_at(engine, MEMBER, NOW + timedelta(days=2))
    opened_at(engine, CHAIR, NOW + timedelta(days=1))
    with Session(engine) as session:
        partnership_id = 1

        def viewers(since, limit):
            return recent_home_viewers(
                session, team_id="T1", partnership_id=partnership_id, since=since, limit=limit
            )

        assert viewers(NOW, 10) == [MEMBER, CHAIR, OFFICER]
        assert viewers(NOW, 2) == [MEMBER, CHAIR]
        assert viewers(NOW + timedelta(hours=1), 10) == [MEMBER, CHAIR]
        assert (
            recent_home_viewers(
                session, team_id="T2", partnership_id=partnership_id, since=NOW, limit=10
            )
            == []
        )


def republished_when(fake_slack, clock, run_reminders, moment, user=CHAIR) -> str:
    """Move the clock to `moment` (London), run the dispatcher: the Home republished."""
    fake_slack.drained()
    before = len(homes_of(fake_slack, user))
    clock.at(*moment)
    summary = run_reminders()
    fake_slack.drained()
    homes = homes_of(fake_slack, user)
    assert len(homes) == before + 1, "republished once"
    assert summary.sent == 0, "no reminder was due: the Home follows the clock alone"
    return homes[-1]


def test_a_deadline_passing_republishes_the_home_without_it(
    partnership, slack, fake_slack, clock, run_reminders
):
    partnership("/deadline", 'add "Grant return" 5pm 27 November')
    partnership("/deadline", "remind 2 none")  # nothing is posted when it passes
    open_home(slack, CHAIR)
    shown(fake_slack, CHAIR, "Grant return")

    clock.at(2026, 11, 27, 16, 59)
    assert run_reminders().sent == 0
    fake_slack.drained()
    assert "Grant return" in homes_of(fake_slack, CHAIR)[-1]  # not yet: nothing published
    home = republished_when(fake_slack, clock, run_reminders, (2026, 11, 27, 17, 0, 1))
    assert "Grant return" not in home and WINDOW in home


def test_an_event_starting_republishes_the_home_without_it(
    partnership, slack, fake_slack, clock, run_reminders
):
    partnership("/event", "add Officers meeting on 26 November 2pm at Woking")
    open_home(slack, CHAIR)
    shown(fake_slack, CHAIR, "Officers meeting")
    home = republished_when(fake_slack, clock, run_reminders, (2026, 11, 26, 14, 0, 1))
    assert "Officers meeting" not in home


def test_a_deadline_with_no_channel_is_planned_at_start_and_refreshes_the_home(
    partnership, slack, fake_slack, clock, engine, run_reminders
):
    """A deadline from before reminders whose partnership had no channel: `partnerbot
    run` plans its Home refresh at start (reminders.planning.plan_all)."""
    with Session(engine) as session:
        session.add(
            Deadline(
                team_id="T1",
                partnership_id=1,
                number=7,
                title="Old return",
                channel_id=None,
                due_at=datetime(2026, 11, 30, 12, 0, tzinfo=LONDON),
                created_by=OFFICER,
                created_at=NOW,
            )
        )
        session.commit()
    for _ in range(2):  # planned once however often the bot starts
        with Session(engine) as session:
            plan_all(session, LONDON, NOW)
            session.commit()
    open_home(slack, CHAIR)
    shown(fake_slack, CHAIR, "Old return")
    home = republished_when(fake_slack, clock, run_reminders, (2026, 11, 30, 12, 0, 1))
    assert "Old return" not in home
    assert fake_slack.calls_to("chat.postMessage") == []  # it has nowhere to be posted
