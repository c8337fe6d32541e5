"""The dispatcher against the fake Web API, with an injected clock and no sleeping:
reminders at their local times, catch-up after downtime, 429s, server errors, refusals,
a crash between posting and recording, digests and questionnaire nudges.

Dates are added by signed slash commands at Tue 24 Nov 2026, 14:30 GMT (tests.helpers.NOW).
"""

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.app import create_app
from scheduler.dispatcher import AHEAD, MAX_ATTEMPTS
from storage.models import Reminder
from tests.helpers import NOW, PULSE, Thread
from tests.reminder_rows import POSTED
from tests.slack_requests import SlackDriver

LONDON = ZoneInfo("Europe/London")
OFFICER, CHAIR = "U1OFFICER", "U2CHAIR"


@pytest.fixture
def officer(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    return lambda command, text, user=OFFICER: slack.command(command, text, user=user)


def posts(fake_slack) -> list[dict]:
    return [
        c.body
        for c in fake_slack.calls_to("chat.postMessage")
        if c.response.get("ok")
        and (c.body.get("metadata") or {}).get("event_type") == "partnerbot_reminder"
    ]


def states(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Reminder).where(POSTED).order_by(Reminder.due_at))
        return [(r.rung, r.state) for r in rows]


def test_a_deadline_reminds_its_channel_at_each_rung_and_not_before(
    officer, dispatcher, clock, fake_slack, engine
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 30 July')  # a Friday
    run = dispatcher().run_due
    clock.at(2027, 7, 16, 16, 59)
    assert run().sent == 0
    clock.at(2027, 7, 16, 17, 0)
    assert run().sent == 1
    (first,) = posts(fake_slack)
    assert first["channel"] == "C1"
    assert first["text"] == (
        ":alarm_clock: *LAA exemplar proposals* is due Fri 30 Jul 2027, 17:00 BST (in 14 days)."
        "\n<!date^1816963200^{date_short_pretty} at {time}|Fri 30 Jul 2027, 17:00 BST> · "
        f"set by <@{OFFICER}> · deadline 1 · `/deadline done 1` once it is in"
    )
    assert first["metadata"]["event_type"] == "partnerbot_reminder"
    for moment in [(2027, 7, 23, 17, 0), (2027, 7, 29, 17, 0), (2027, 7, 30, 9, 0)]:
        assert clock.at(*moment) and run().sent == 1
    assert "(in 8 hours)" in posts(fake_slack)[-1]["text"]
    assert states(engine) == [(rung, "sent") for rung in ("14d", "7d", "1d", "morning")]
    assert run().sent == 0  # nothing twice
    assert len(posts(fake_slack)) == 4


def test_a_window_announces_its_opening_and_its_close(officer, dispatcher, clock, fake_slack):
    officer("/deadline", 'window "PtP credit applications" from 1 June to 30 September')
    run = dispatcher().run_due
    clock.at(2027, 6, 1, 9, 0)
    run()
    clock.at(2027, 9, 30, 17, 0)
    run()
    opening, closed = (p["text"] for p in posts(fake_slack))
    assert opening.startswith(
        ":large_green_circle: Applications open today for *PtP credit applications*, "
        "closing Thu 30 Sep 2027."
    )
    assert closed.startswith(":red_circle: *PtP credit applications* closed Thu 30 Sep 2027")


def test_after_downtime_only_the_latest_missed_rung_is_posted_and_marked_late(
    officer, dispatcher, clock, fake_slack, engine
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    clock.at(2027, 7, 25, 8, 0)  # down through the 14- and 7-day reminders
    summary = dispatcher().run_due()
    assert (summary.sent, summary.skipped) == (1, 0)
    (late,) = posts(fake_slack)
    assert late["text"].startswith(":warning: _Late: I was offline")
    assert "(in 6 days)" in late["text"]
    assert states(engine)[:2] == [("14d", "skipped"), ("7d", "sent")]


def test_a_reminder_whose_deadline_has_passed_is_skipped_not_posted(
    officer, dispatcher, clock, fake_slack, engine
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    clock.at(2027, 8, 1, 9, 0)
    dispatcher().run_due()
    assert posts(fake_slack) == []
    assert {state for _, state in states(engine)} == {"skipped"}


def test_an_event_reminder_gives_its_place_escaped(officer, dispatcher, clock, fake_slack):
    officer("/event", "add Officers <meeting> on 12 March 2pm at Woking & <!channel>")
    clock.at(2027, 3, 5, 14, 0)
    dispatcher().run_due()
    (text,) = (p["text"] for p in posts(fake_slack))
    assert text.startswith(
        ":round_pushpin: *Officers &lt;meeting&gt;* starts Fri 12 Mar 2027, 14:00 GMT (in 7 days)"
        " at Woking &amp; &lt;!channel&gt;."
    )


def test_an_event_reminder_gives_its_start_and_end(officer, dispatcher, clock, fake_slack):
    officer("/event", 'add "Recession seminar" 12 March 10am-12.30pm at Southampton')
    clock.at(2027, 3, 5, 10, 0)
    dispatcher().run_due()
    (text,) = (p["text"] for p in posts(fake_slack))
    assert text.startswith(
        ":round_pushpin: *Recession seminar* is on Fri 12 Mar 2027, 10:00–12:30 GMT (in 7 days)"
        " at Southampton."
    )
    assert "|Fri 12 Mar 2027, 10:00–12:30 GMT>" in text  # what Slack shows without the token


def test_one_message_per_second_per_channel(officer, dispatcher, clock, fake_slack):
    for n in range(3):
        officer("/deadline", f"add Return {n} by 5pm 1 March")
    clock.at(2027, 2, 15, 17, 0)
    dispatcher().run_due()
    assert len(posts(fake_slack)) == 3
    assert sum(clock.slept) >= 2.0  # three rounds, a second apart


def test_a_429_waits_for_retry_after_and_spends_no_attempt(
    officer, dispatcher, clock, fake_slack, engine
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    limited = []

    def rate_limit_once(call):
        if not limited:
            limited.append(call)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}
        return 200, fake_slack.store_message(call.body, "1800000000.000100")

    fake_slack.respond("chat.postMessage", rate_limit_once)
    clock.at(2027, 7, 17, 17, 0)
    summary = dispatcher().run_due()
    assert (summary.sent, summary.retrying) == (0, 1)
    with Session(engine) as session:
        row = session.exec(select(Reminder).where(Reminder.rung == "14d")).one()
        assert (row.state, row.attempts) == ("pending", 0)
        # Thirty seconds from the 429, to a post made as the round was claimed for.
        assert row.not_before == datetime(2027, 7, 17, 17, 0, 30, tzinfo=LONDON) + AHEAD
    assert dispatcher().run_due().sent == 0  # not before Retry-After
    clock.now += timedelta(seconds=30)
    assert dispatcher().run_due().sent == 1
    assert len(posts(fake_slack)) == 1


def test_server_errors_back_off_then_fail_visibly(
    officer, dispatcher, clock, fake_slack, engine, slack, caplog
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    fake_slack.respond("chat.postMessage", lambda call: (503, {"ok": False}))
    clock.at(2027, 7, 17, 17, 0)
    run = dispatcher().run_due
    with caplog.at_level(logging.INFO, logger="scheduler"):
        for _ in range(MAX_ATTEMPTS):
            run()
            with Session(engine) as session:
                row = session.exec(select(Reminder).where(Reminder.rung == "14d")).one()
            if row.state == "pending":
                clock.now = row.not_before
    waits = re.findall(r"trying again in (\S+)", caplog.text)
    assert waits == ["0:00:30", "0:02:00", "0:10:00", "0:30:00"]
    assert row.state == "failed" and row.attempts == MAX_ATTEMPTS - 1
    assert "gave up after 5 attempts: Slack failed (HTTP 503)" in row.outcome
    assert "failed: gave up after 5 attempts" in caplog.text
    listed = slack.command("/deadline", "list", user=OFFICER)
    assert ":warning: a reminder could not be posted: gave up after 5 attempts" in (
        listed.everything
    )


def test_a_refusal_fails_at_once_and_says_what_to_do(officer, dispatcher, clock, fake_slack, slack):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    fake_slack.respond(
        "chat.postMessage", lambda call: (200, {"ok": False, "error": "not_in_channel"})
    )
    clock.at(2027, 7, 17, 17, 0)
    assert dispatcher().run_due().failed == 1
    listed = slack.command("/deadline", "list", user=OFFICER)
    assert "invite me with /invite @partnerbot" in listed.everything


def test_a_crash_between_posting_and_recording_does_not_post_twice(
    officer, dispatcher, clock, fake_slack, engine, monkeypatch
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    clock.at(2027, 7, 17, 17, 0)
    crashing = dispatcher()

    def crash(*args):
        raise SystemExit("killed after posting, before recording")

    monkeypatch.setattr(crashing, "_record", crash)
    with pytest.raises(SystemExit):
        crashing.run_due()
    assert len(posts(fake_slack)) == 1
    assert states(engine)[0] == ("14d", "posting")
    clock.now += timedelta(seconds=30)
    assert dispatcher().run_due().sent == 0  # still someone's claim
    clock.now += timedelta(seconds=31)  # the lease has run out
    assert dispatcher().run_due().sent == 1  # found in the channel's history
    assert len(posts(fake_slack)) == 1
    assert fake_slack.calls_to("conversations.history")
    with Session(engine) as session:
        row = session.exec(select(Reminder).where(Reminder.rung == "14d")).one()
    assert (row.state, row.message_ts) == ("sent", fake_slack.messages["C1"][0]["ts"])


def test_an_unsure_reminder_not_found_in_the_channel_is_posted(
    officer, dispatcher, clock, fake_slack, engine
):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    with Session(engine) as session:  # as a timed-out post would leave it
        row = session.exec(select(Reminder).where(Reminder.rung == "14d")).one()
        row.unsure = True
        session.add(row)
        session.commit()
    clock.at(2027, 7, 17, 17, 0)
    assert dispatcher().run_due().sent == 1
    assert len(posts(fake_slack)) == 1 and fake_slack.calls_to("conversations.history")


def test_removing_a_deadline_after_a_claim_skips_it(officer, dispatcher, clock, fake_slack):
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    officer("/deadline", "done 1")
    clock.at(2027, 7, 17, 17, 0)
    assert dispatcher().run_due().sent == 0
    assert posts(fake_slack) == []


def test_the_weekly_digest(officer, dispatcher, clock, fake_slack, engine, slack):
    assert officer("/budget", 'fund "Pooled fund" £6,000').public
    assert officer("/budget", 'plan "Pooled fund" Consultancy £5,500').public
    officer("/deadline", "add Confirm grant use by 5pm 3 December")
    officer("/event", "add Officers meeting on 10 December 2pm at Woking")
    officer("/event", "add Far away on 10 February 2pm")
    reply = officer("/deadline", "digest monday 9am")
    assert reply.public
    assert "for Mondays at 09:00 (Europe/London)" in reply.text
    assert "The next is Mon 30 Nov 2026, 09:00 GMT (in 6 days)" in reply.text
    assert "comes on Mondays at 09:00" in slack.command("/deadline", "digest", user=OFFICER).text
    clock.at(2026, 11, 30, 9, 0)
    dispatcher().run_due()
    digest = posts(fake_slack)[-1]["text"]
    assert digest.startswith(":newspaper: *Weekly digest: Spelthorne LSP*")
    assert "*Confirm grant use* due Thu 3 Dec 2026, 17:00 GMT (in 3 days)" in digest
    assert "*Officers meeting* Thu 10 Dec 2026, 14:00 GMT" in digest
    assert "Far away" not in digest
    assert "*Pooled fund*: £500 left of £6,000" in digest
    with Session(engine) as session:
        following = session.exec(
            select(Reminder).where(Reminder.subject == "digest", Reminder.state == "pending")
        ).one()
    assert following.due_at == datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    assert officer("/deadline", "digest off").public
    clock.at(2026, 12, 7, 9, 0)
    dispatcher().run_due()
    assert sum("Weekly digest" in p["text"] for p in posts(fake_slack)) == 1


@pytest.mark.parametrize("text", ["someday 9am", "monday 25:00", "mon 13pm", "9am"])
def test_a_digest_time_that_is_not_one_is_refused(officer, engine, text):
    reply = officer("/deadline", f"digest {text}")
    assert not reply.public
    assert "/deadline digest monday 9am" in reply.text
    with Session(engine) as session:
        assert session.exec(select(Reminder)).all() == []


def test_an_idle_questionnaire_is_nudged_where_it_is_answered(
    officer, dispatcher, clock, fake_slack, slack
):
    officer("/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    fake_slack.wait_for("chat.postMessage", count=3)
    clock.now = NOW + timedelta(days=2, hours=23)
    assert dispatcher().run_due().sent == 0
    clock.now = NOW + timedelta(days=3, minutes=1)
    assert dispatcher().run_due().sent == 1
    (nudge,) = posts(fake_slack)
    # Their only questionnaire open: at the top of the direct message, where a plain
    # message answers it, as its questions were asked; not in the introduction's thread.
    assert nudge["channel"] == f"D{CHAIR}" and nudge.get("thread_ts") is None
    assert nudge["text"].startswith(
        f":wave: <@{CHAIR}>, a gentle nudge: no answer here for 3 days."
    )
    assert "0 of 10 answered" in nudge["text"]
    answered = Thread(slack, fake_slack, None, channel=f"D{CHAIR}").say("We meet quarterly.")
    assert "*Question 2 of 10" in answered  # replying to the nudge where it is answers
    clock.now = NOW + timedelta(days=4)
    assert dispatcher().run_due().sent == 0  # once per idle stretch
    clock.at(2026, 12, 10, 17, 0)  # two days before it is due
    dispatcher().run_due()
    assert "this is due Sat 12 Dec 2026, 17:00 GMT (in 2 days)" in posts(fake_slack)[-1]["text"]


def test_with_several_open_each_questionnaire_is_nudged_in_its_own_thread(
    officer, dispatcher, clock, fake_slack
):
    assert "added the questionnaire `pulse`" in officer("/assess", PULSE).text
    officer("/assess", f"start baseline for <@{CHAIR}|nick>")
    fake_slack.wait_for("chat.postMessage", count=3)
    officer("/assess", f"start pulse for <@{CHAIR}|nick>")
    started = fake_slack.wait_for("chat.postMessage", count=6)
    intros = [  # each questionnaire's first message in the direct message: its thread's parent
        c.response["ts"]
        for c in started
        if c.body["channel"] == f"D{CHAIR}" and c.body["text"].startswith(":clipboard:")
    ]
    assert len(intros) == 2
    clock.now = NOW + timedelta(days=3, minutes=1)
    assert dispatcher().run_due().sent == 2
    nudges = posts(fake_slack)
    assert {(n["channel"], n["thread_ts"]) for n in nudges} == {(f"D{CHAIR}", ts) for ts in intros}
    baseline = next(n for n in nudges if "of 10 answered" in n["text"])
    assert baseline["thread_ts"] == intros[0]


def test_a_reopened_questionnaire_past_its_due_date_is_not_nudged_to_submit(
    settings, engine, fake_slack, dispatcher, clock
):
    slack = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    assert "added the questionnaire `pulse`" in slack.command("/assess", PULSE, user=OFFICER).text
    slack.command("/assess", f"start pulse for <@{CHAIR}|nick> due 12 December", user=OFFICER)
    fake_slack.wait_for("chat.postMessage", 3)
    chat = Thread(slack, fake_slack, None, channel=f"D{CHAIR}")
    chat.say("4")
    assert "Submitted" in chat.say("submit")
    clock.at(2026, 12, 11, 12, 0)
    assert slack.command("/assess", "reopen 1", user=CHAIR).public
    assert dispatcher().run_due().sent == 1  # before its due date: reminded to submit
    assert "this is due Sat 12 Dec 2026, 17:00 GMT" in posts(fake_slack)[-1]["text"]
    clock.at(2026, 12, 14, 12, 1)  # idle for three days, and past its due date
    assert dispatcher().run_due().sent == 0  # a `submit` now would be refused


def test_a_busy_channel_does_not_hold_up_the_others(officer, dispatcher, clock, fake_slack, slack):
    for n in range(4):
        officer("/deadline", f"add Return {n} by 5pm 1 March")
    assert slack.command("/partnership", "link Spelthorne LSP", user=OFFICER, channel="C2").public
    assert slack.command(
        "/deadline", "add Elsewhere by 6pm 1 March", user=OFFICER, channel="C2"
    ).public
    clock.at(2027, 2, 28, 18, 0)  # every 1-day reminder is due
    dispatcher().run_due()
    channels = [p["channel"] for p in posts(fake_slack)]
    assert sorted(channels[:2]) == ["C1", "C2"]  # C2's one is in the first round
    assert channels.count("C1") == 4


def test_a_429_holds_back_the_rest_of_that_channel(officer, dispatcher, clock, fake_slack):
    for n in range(3):
        officer("/deadline", f"add Return {n} by 5pm 1 March")
    limited_until = []

    def rate_limit_for_3_seconds(call):
        if not limited_until:
            limited_until.append(clock.now + timedelta(seconds=3))
        if clock.now < limited_until[0]:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"}
        return 200, fake_slack.store_message(call.body, f"{clock.now.timestamp():.6f}")

    fake_slack.respond("chat.postMessage", rate_limit_for_3_seconds)
    clock.at(2027, 2, 28, 17, 0)
    summary = dispatcher().run_due()  # 3 s is short enough to wait for within the run
    assert summary.sent == 3
    # One refused try, then nothing in that channel until the 3 s were up.
    assert len(fake_slack.calls_to("chat.postMessage")) == 4
    assert [int(m["text"].split("Return ")[1][0]) for m in fake_slack.messages["C1"]] == [0, 1, 2]
