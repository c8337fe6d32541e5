"""The Home tab follows the clock: when a reminder says a window has opened or closed,
the partnership's recent Home viewers get their Home republished showing it, through
the dispatcher `partnerbot run` builds (bot.reminder_service.build_dispatcher).
Dates are added at Tue 24 Nov 2026, 14:30 GMT (tests.helpers.NOW)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from bot.reminder_service import build_dispatcher
from storage.models import HomeViewer
from storage.partnerships import recent_home_viewers
from tests.fake_slack import eventually
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

    # It closed on Saturday 30 Jan; nobody reads Slack on a weekend, so the notice
    # comes at 09:00 on Monday (reminders/window.py).
    clock.at(2027, 2, 1, 9, 1)
    assert run_reminders().sent == 1  # ":red_circle: … closed"
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
