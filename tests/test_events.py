"""Events API callbacks: @-mentions answered in a thread, Slack's retries handled once."""

import json

from tests.slack_requests import sign


def mention_event(ts="1700000000.000100", thread_ts=None):
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1", "ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def test_a_mention_is_answered_in_its_thread(slack, fake_slack):
    assert slack.event(mention_event()).status == 200
    (call,) = fake_slack.wait_for("chat.postMessage")
    assert call.body["channel"] == "C1"
    assert call.body["thread_ts"] == "1700000000.000100"
    assert "/partnership help" in call.body["text"]
    assert call.token == "xoxb-test-token"


def test_a_mention_inside_a_thread_stays_in_that_thread(slack, fake_slack):
    slack.event(mention_event(ts="1700000005.000200", thread_ts="1700000000.000100"))
    (call,) = fake_slack.wait_for("chat.postMessage")
    assert call.body["thread_ts"] == "1700000000.000100"


def test_retries_of_one_event_have_one_effect(slack, fake_slack):
    for retry in (None, 1, 2, 3):
        assert slack.event(mention_event(), event_id="Ev0RETRIED", retry=retry).status == 200
    slack.event(mention_event(ts="1700000001.000100"), event_id="Ev0OTHER")
    fake_slack.wait_for("chat.postMessage", count=2)
    assert [c.body["thread_ts"] for c in fake_slack.calls_to("chat.postMessage")] == [
        "1700000000.000100",
        "1700000001.000100",
    ]


def test_url_verification_echoes_the_challenge(slack):
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"})
    response = slack.post(body, sign(body))
    assert response.status == 200 and response.body == {"challenge": "c-123"}


def test_channel_chatter_leaves_no_trace(slack, engine, fake_slack):
    from sqlalchemy import func
    from sqlmodel import Session, select

    from storage.upkeep_tables import SlackEvent

    top_level = {
        "type": "message",
        "user": "U1",
        "text": "morning all",
        "channel": "C1",
        "ts": "1.5",
    }
    assert slack.event(top_level).status == 200
    slack.event(mention_event())  # an event we act on is remembered
    fake_slack.wait_for("chat.postMessage")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(SlackEvent)).one() == 1
