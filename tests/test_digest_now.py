"""`/deadline digest now`: the channel's digest at once, for officers, the very text the
schedule posts. "Now" is Tue 24 Nov 2026, 14:30 GMT."""

from sqlmodel import Session, select

from reminders import digest
from storage.models import Reminder
from tests.fake_time import LONDON
from tests.helpers import NOW

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"


def test_an_officer_posts_the_digest_the_schedule_would(slack, engine):
    def officer(command: str, text: str):
        return slack.command(command, text, user=OFFICER)

    assert officer("/partnership", "create Spelthorne LSP").public
    officer("/partnership", f"role <@{MEMBER}|m> member")
    officer("/budget", 'fund "Pooled fund" £6,000')
    officer("/budget", 'plan "Pooled fund" Consultancy £5,500')
    officer("/deadline", "add Confirm grant use by 5pm 3 December")
    officer("/event", "add Officers meeting on 10 December 2pm at Woking")
    assert officer("/deadline", "digest monday 9am").public

    posted = officer("/deadline", "digest now")

    assert posted.public
    assert posted.text.startswith(":newspaper: *Weekly digest: Spelthorne LSP*")
    assert "*Confirm grant use* due Thu 3 Dec 2026, 17:00 GMT (in 9 days)" in posted.text
    assert "*Pooled fund*: £500 left of £6,000" in posted.text
    with Session(engine) as session:
        reminder = session.exec(select(Reminder).where(Reminder.subject == "digest")).one()
        assert posted.text == digest.compose(session, reminder, NOW, LONDON)
        session.rollback()  # compose plans the following week: not wanted here


def test_only_officers_post_it(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{MEMBER}|m> member", user=OFFICER)
    refused = slack.command("/deadline", "digest now", user=MEMBER)
    assert not refused.public and "officer" in refused.text
