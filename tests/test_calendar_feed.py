"""`/deadline feed`: a private subscription URL, fetched over real HTTP from the bot's
own server (bot.feed_server, the one Socket Mode runs; HTTP mode serves the same ASGI
app), the way Outlook and Google fetch it again and again. A change shows in the next
fetch with the same UID and a higher SEQUENCE; a reset or a random token gets 404."""

import re
import socket

import icalendar
import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.config import load_settings
from bot.feed_server import FeedServer
from storage.calendar_feeds import CalendarFeed, digest
from tests.helpers import NOW
from tests.processes import http_request
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"
PUBLIC = "https://bot.example.org"
URL = re.compile(re.escape(PUBLIC) + r"(/calendar/[A-Za-z0-9_-]+\.ics)")


@pytest.fixture
def server(engine, settings):
    listener = socket.create_server(("127.0.0.1", 0))
    served = FeedServer(engine, listener, settings.tz).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    served.close()


@pytest.fixture
def officer(env, engine, fake_slack):
    settings = load_settings(env | {"PARTNERBOT_PUBLIC_URL": PUBLIC + "/"})
    slack = SlackDriver(create_app(settings, engine, clock=lambda: NOW))
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public

    def run(command: str, text: str, user: str = OFFICER):
        return slack.command(command, text, user=user)

    return run


def feed_path(reply) -> str:
    assert not reply.public, "a feed's URL is shown only to whoever asked"
    match = URL.search(reply.text)
    assert match, reply.text
    return match[1]


def fetch(server: str, path: str) -> tuple[int, str]:
    return http_request("GET", server + path)


def parsed(server: str, path: str) -> icalendar.Calendar:
    status, body = fetch(server, path)
    assert status == 200, body
    calendar = icalendar.Calendar.from_ical(body)
    for component in calendar.walk():  # icalendar records, not raises, what it can't read
        assert component.errors == [], (component.name, component.errors)
    return calendar


def by_summary(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_a_moved_deadline_shows_at_its_new_time_with_the_same_uid_and_a_higher_sequence(
    officer, server
):
    officer("/deadline", 'add "Quarterly return" 5pm 31 July 2027')
    officer("/event", 'add "Recession seminar" 18 September 2027 10am-12.30pm at Southampton')
    path = feed_path(officer("/deadline", "feed"))

    before = parsed(server, path)
    assert str(before["X-PUBLISHED-TTL"]) == "PT1H"
    assert before["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    was = by_summary(before)["Deadline: Quarterly return"]
    assert was.decoded("DTSTART").isoformat() == "2027-07-31T16:00:00+00:00"

    assert officer("/deadline", "move 1 5pm 7 August 2027").public
    assert officer("/event", "remove 1").public
    after = by_summary(parsed(server, path))
    moved = after["Deadline: Quarterly return"]
    assert moved["UID"] == was["UID"]
    assert moved.decoded("DTSTART").isoformat() == "2027-08-07T16:00:00+00:00"
    assert moved["SEQUENCE"] > was["SEQUENCE"]
    seminar = after["Recession seminar"]
    assert seminar["STATUS"] == "CANCELLED" and seminar["SEQUENCE"] > 0
    assert not seminar.walk("VALARM")  # nothing to be alerted to


def test_a_reset_gives_a_new_url_and_the_old_one_answers_404(officer, server, engine):
    first = feed_path(officer("/deadline", "feed"))
    again = officer("/deadline", "feed")
    assert not again.public and "cannot show it again" in again.text
    assert "/calendar/" not in again.text
    second = feed_path(officer("/deadline", "feed reset"))
    assert second != first
    assert fetch(server, first)[0] == 404
    assert fetch(server, second)[0] == 200
    with Session(engine) as session:  # only a digest of the token is kept
        (stored,) = session.exec(select(CalendarFeed.token_sha256)).all()
    assert stored == digest(second.removeprefix("/calendar/").removesuffix(".ics"))


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/" + "Zq3" * 14 + "x.ics",  # well formed, never issued (fixed: xdist ids)
        "/calendar/short.ics",
        "/calendar/../healthz.ics",
        "/calendar/.ics",
    ],
)
def test_a_token_never_issued_answers_404(officer, server, path):
    feed_path(officer("/deadline", "feed"))
    assert fetch(server, path)[0] == 404


def test_an_officer_who_is_no_longer_one_loses_the_feed(officer, server):
    path = feed_path(officer("/deadline", "feed"))
    assert officer("/partnership", f"role <@{MEMBER}|amy> officer").public
    assert officer("/partnership", f"role <@{OFFICER}|joy> member", user=MEMBER).public
    assert fetch(server, path)[0] == 404


def test_only_officers_get_a_feed_and_nothing_is_written(officer, engine):
    reply = officer("/deadline", "feed", user=MEMBER)
    assert not reply.public and "Only officers" in reply.text
    assert feeds(engine) == 0


def test_an_unknown_option_is_refused(officer, engine):
    reply = officer("/deadline", "feed everyone")
    assert not reply.public and "`/deadline feed reset`" in reply.text
    assert feeds(engine) == 0


def test_without_a_public_url_it_says_what_to_set(slack, engine):
    slack.command("/partnership", "create Spelthorne LSP", user=OFFICER)
    reply = slack.command("/deadline", "feed", user=OFFICER)
    assert not reply.public and "`PARTNERBOT_PUBLIC_URL`" in reply.text
    assert feeds(engine) == 0


def test_the_server_still_answers_its_health_check(server):
    assert fetch(server, "/healthz") == (200, "ok")
    assert fetch(server, "/slack/events")[0] == 404  # Slack's routes: HTTP mode's alone


def feeds(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(CalendarFeed)).all())


def test_typed_text_that_reads_like_an_escape_comes_back_exactly(officer, server):
    # icalendar's own writer made a typed "\\N" a line break and lost a leading U+FEFF.
    title = "Bid C:\\New\\notes; v2, final"
    event = "\ufeffSeminar \\N"
    assert officer("/deadline", f'add "{title}" 5pm 31 July 2027').public
    assert officer("/event", f'add "{event}" 18 September 2027 10am-12.30pm at Hall').public
    path = feed_path(officer("/deadline", "feed"))
    assert {f"Deadline: {title}", event} <= set(by_summary(parsed(server, path)))
