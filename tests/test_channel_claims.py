"""Channel claims: a channel with a reminder due goes to one dispatcher at a time, and a
channel given back after a post stays closed for the gap, to that dispatcher too."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage import channel_claims, outbox
from storage.models import saved_id
from tests.reminder_rows import due_reminders

LEASE = timedelta(seconds=60)
GAP = timedelta(seconds=1)


def claim(engine, token: str, now: datetime, limit: int = 64) -> list[tuple[str, str]]:
    with Session(engine) as session:
        taken = channel_claims.claim(session, token=token, now=now, lease=LEASE, limit=limit)
        session.commit()
    return taken


def test_each_channel_with_a_due_reminder_goes_to_one_claimant(engine):
    due_reminders(engine, channels=5, per_channel=2)
    now = datetime.now(UTC)
    first = claim(engine, "A", now, limit=3)
    second = claim(engine, "B", now)
    assert len(first) == 3 and len(second) == 2
    assert sorted(first + second) == [("T1", f"C{n:04d}") for n in range(5)]
    assert claim(engine, "C", now) == []


def test_a_channel_given_back_after_a_post_is_closed_for_the_gap(engine):
    due_reminders(engine, channels=2, per_channel=2)
    now = datetime.now(UTC)
    taken = claim(engine, "A", now)
    with Session(engine) as session:
        channel_claims.release(session, token="A", until={taken[0]: now + GAP})
        channel_claims.release(session, token="A", until={taken[1]: now})
        assert channel_claims.next_free(session, now=now, lease=LEASE) == now + GAP
        session.commit()
    assert claim(engine, "A", now) == [taken[1]]  # its gap is over at once
    assert claim(engine, "B", now + GAP / 2) == []
    assert claim(engine, "B", now + GAP) == [taken[0]]


def test_a_claim_lapses_after_the_lease_and_is_renewed_only_by_its_holder(engine):
    due_reminders(engine, channels=1, per_channel=1)
    now = datetime.now(UTC)
    (channel,) = claim(engine, "A", now)
    assert claim(engine, "B", now + LEASE / 2) == []
    with Session(engine) as session:
        assert not channel_claims.renew(session, token="B", channel=channel, until=now + LEASE)
        assert channel_claims.renew(session, token="A", channel=channel, until=now + 2 * LEASE)
        session.commit()
    assert claim(engine, "B", now + LEASE) == []
    assert claim(engine, "B", now + 2 * LEASE) == [channel]


def test_rows_are_claimed_only_in_the_channels_held_one_each(engine):
    due_reminders(engine, channels=3, per_channel=2)
    now = datetime.now(UTC)
    held = claim(engine, "A", now, limit=2)
    with Session(engine) as session:
        rows = outbox.claim(session, worker="A", now=now, lease=LEASE)
        assert sorted((r.team_id, r.channel_id) for r in rows) == held


def test_a_round_records_as_posted_only_the_rows_still_its_own(engine):
    due_reminders(engine, channels=3, per_channel=1)
    now = datetime.now(UTC)
    claim(engine, "A", now)
    with Session(engine) as session:
        mine = {saved_id(r) for r in outbox.claim(session, worker="A", now=now, lease=LEASE)}
        session.commit()
    later = now + LEASE  # A's claims have lapsed: B takes one channel and its row
    claim(engine, "B", later, limit=1)
    with Session(engine) as session:
        (taken,) = (saved_id(r) for r in outbox.claim(session, worker="B", now=later, lease=LEASE))
        session.commit()
    with Session(engine) as session:
        posted = dict.fromkeys(mine, "1800000000.000100")
        recorded = outbox.finish_sent(session, sent=posted, worker="A", now=later)
        assert len(mine) == 3 and recorded == mine - {taken}
