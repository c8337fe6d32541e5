"""A dispatcher round costs a few statements whatever its size: nothing is read or
written once per reminder on the plain path (claim, compose, post, record)."""

from slack_sdk import WebClient
from sqlalchemy import event

from commands.context import utc_now
from scheduler.dispatcher import Dispatcher
from tests.fake_time import LONDON
from tests.reminder_rows import due_reminders
from tests.slack_requests import BOT_TOKEN

CHANNELS = 40  # one round: fewer than a round's channels


def test_a_round_reads_its_deadlines_at_once_and_issues_fewer_statements_than_posts(
    engine, fake_slack
):
    count = due_reminders(engine, channels=CHANNELS, per_channel=1)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    dispatcher = Dispatcher(engine, lambda team: client, tz=LONDON, clock=utc_now)
    issued: list[str] = []

    def record(connection, cursor, statement, *rest) -> None:
        issued.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        summary = dispatcher.run_due()
    finally:
        event.remove(engine, "before_cursor_execute", record)
        dispatcher.close()
    assert summary is not None and summary.sent == count == CHANNELS
    assert len(fake_slack.reminders_posted()) == count
    deadline_reads = [s for s in issued if s.startswith("SELECT") and "FROM deadline" in s]
    assert len(deadline_reads) == 1
    assert len(issued) < count
