"""A questionnaire whose process died right after `/assess start` was acknowledged,
before its thread was posted or recorded, is finished by the next dispatcher round."""

from datetime import timedelta

from sqlmodel import Session, select

from commands.dispatch import dispatch
from scheduler.stuck_starts import GRACE, parent_metadata
from storage.models import AssessRun, RunStatus
from tests.helpers import CHAIR, CTX, NOW


def acknowledged_then_died(engine) -> int:
    """`/assess start` as the listener runs it, its delivery after the ack never done."""
    dispatch(engine, CTX, "/partnership", "create Spelthorne LSP")
    dispatch(engine, CTX, "/partnership", f"role <@{CHAIR}|nick> chair")
    started = dispatch(engine, CTX, "/assess", f"start baseline for <@{CHAIR}|nick>")
    assert started.thread is not None
    return started.thread.run_id


def the_run(engine) -> AssessRun:
    with Session(engine) as session:
        return session.exec(select(AssessRun)).one()


def test_the_next_round_posts_the_thread_and_asks_the_first_question(
    engine, dispatcher, clock, fake_slack
):
    run_id = acknowledged_then_died(engine)
    run = dispatcher().run_due
    clock.now = NOW + GRACE - timedelta(seconds=1)  # the live path may still be at it
    run()
    assert fake_slack.calls_to("chat.postMessage") == []
    clock.now = NOW + GRACE + timedelta(seconds=1)
    run()
    parent, intro, question = (c.body for c in fake_slack.calls_to("chat.postMessage"))
    assert "questionnaire *1*" in parent["text"] and parent["metadata"] == parent_metadata(run_id)
    # Asked in the chair's direct conversation, as the live path would have.
    assert intro["channel"] == question["channel"] == f"D{CHAIR}"
    assert "Question 1 of 10" in question["text"]
    finished = the_run(engine)
    assert finished.status == RunStatus.OPEN and finished.dm_channel_id == f"D{CHAIR}"
    assert finished.thread_ts == fake_slack.calls_to("chat.postMessage")[0].response["ts"]
    run()
    assert len(fake_slack.calls_to("chat.postMessage")) == 3  # nothing twice


def test_a_parent_posted_but_not_recorded_is_used_not_posted_again(
    engine, dispatcher, clock, fake_slack
):
    run_id = acknowledged_then_died(engine)
    posted_ts = f"{NOW.timestamp() + 1:.6f}"
    fake_slack.store_message(
        {"channel": "C1", "text": "the parent", "metadata": parent_metadata(run_id)}, posted_ts
    )
    clock.now = NOW + GRACE + timedelta(seconds=1)
    dispatcher().run_due()
    intro, question = (c.body for c in fake_slack.calls_to("chat.postMessage"))
    assert intro["channel"] == question["channel"] == f"D{CHAIR}"  # no second parent
    assert "Question 1 of 10" in question["text"]
    assert the_run(engine).thread_ts == posted_ts
