"""The dispatcher: settle what was missed, claim what is due, post it, record it.

It works in rounds. A round claims at most one reminder per channel (Slack allows about
one message per second per channel), posts them side by side, records every outcome in
one transaction, and the next round starts no sooner than a second after this one did.
Several dispatchers (replicas) may run against one database; see storage.outbox.
"""

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from commands.context import Clock
from scheduler import nudges, reminder_wording
from scheduler.posting import Outcome, Outgoing, Result, post_reminder
from scheduler.stuck_starts import finish_stuck_starts
from storage import outbox
from storage.models import Reminder, ReminderState, saved_id
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
POST_TIMEOUT = 10  # seconds: the Web API client's timeout, so the longest a call can take
# A renewed claim outlasts the post's timeout by this much: leeway for replicas' clocks
# and for a message Slack stores after the client stopped waiting.
RENEW_LEEWAY = 5
CHANNEL_GAP = 1.0  # seconds between two messages to one channel
ROUND_SIZE = 500  # channels served per round, at most
MAX_ATTEMPTS = 5  # errors other than rate limiting; then the reminder is marked failed
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
WAIT_IN_RUN = timedelta(seconds=5)  # a retry due this soon is waited for, not left to the clock

ClientFor = Callable[[str], WebClient]  # a workspace's client, by team id


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retrying: int = 0
    next_due: datetime | None = None


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        client_for: ClientFor,
        *,
        tz: ZoneInfo,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
        threads: int = 16,
        lease: timedelta = LEASE,
        channel_gap: float = CHANNEL_GAP,
        post_timeout: float = POST_TIMEOUT,
    ):
        if lease.total_seconds() <= post_timeout:
            raise ValueError("a claim's lease must outlast a post (the client's timeout)")
        self.engine, self.client_for, self.tz = engine, client_for, tz
        self.threads, self.post_timeout = threads, post_timeout
        self.clock, self.sleep, self.lease, self.channel_gap = clock, sleep, lease, channel_gap
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="reminders")
        self._running = threading.Lock()
        self._last_round: float | None = None
        self._held: dict[str, datetime] = {}  # channel -> when Slack's Retry-After ends
        self._posted: dict[str, float] = {}  # channel -> monotonic time of its last post
        self._posted_lock = threading.Lock()
        self._stopping = threading.Event()
        # The slowest post of the last round, in seconds; until one has shown otherwise,
        # a second (what a post to Slack takes at worst on a good day).
        self._slowest = 1.0

    def run_due(self) -> Summary | None:
        """Post everything due; None if another trigger of this process is already at it."""
        if not self._running.acquire(blocking=False):
            return None
        try:
            return self._run()
        finally:
            self._running.release()

    def close(self) -> None:
        """Stop after the round in flight (its outcomes are recorded), then the threads."""
        self._stopping.set()
        with self._running:
            self._pool.shutdown(wait=True)

    def _run(self) -> Summary:
        summary = Summary()
        finish_stuck_starts(self.engine, self.client_for, tz=self.tz, now=self.clock())
        in_transaction(self.engine, self._settle)
        while not self._stopping.is_set():
            self._pace()
            claimed_at = self.clock()
            batch, skipped = in_transaction(self.engine, partial(self._claim, claimed_at))
            summary.skipped += skipped
            if batch:
                outcomes = list(self._pool.map(partial(self._post, claimed_at), batch))
                self._slowest = max(outcome.seconds for outcome in outcomes)
                for field in in_transaction(self.engine, partial(self._record, batch, outcomes)):
                    setattr(summary, field, getattr(summary, field) + 1)
                continue
            summary.next_due = in_transaction(
                self.engine, partial(outbox.next_due, lease=self.lease)
            )
            if summary.next_due is None or summary.next_due - self.clock() > WAIT_IN_RUN:
                return summary
            self.sleep(max(0.0, (summary.next_due - self.clock()).total_seconds()))
        return summary

    def _settle(self, session: Session) -> None:
        now = self.clock()
        nudges.sweep(session, now)
        outbox.settle_missed(session, now=now)

    def _pace(self) -> None:
        if self._last_round is not None:
            self.sleep(max(0.0, self._last_round + self.channel_gap - time.monotonic()))
        self._last_round = time.monotonic()

    def _round_size(self) -> int:
        """As many rows as can be posted before their claims lapse: the pool posts a
        wave of `threads` at a time, each as slow as the last round's slowest post, and
        the last wave must begin early enough for a post to end within the lease. (A
        post that would begin later renews its claim first: see _post.)"""
        spare = self.lease.total_seconds() - self.post_timeout - RENEW_LEEWAY
        waves = 1 + max(0, int(spare / max(self._slowest, 0.001)))
        return min(ROUND_SIZE, self.threads * waves)

    def _claim(self, now: datetime, session: Session) -> tuple[list[Outgoing], int]:
        """What this round posts, and how many claimed rows no longer applied."""
        self._held = {channel: end for channel, end in self._held.items() if end > now}
        claimed = outbox.claim(
            session,
            worker=self.worker,
            now=now,
            lease=self.lease,
            limit=self._round_size(),
            held=list(self._held),
        )
        batch = []
        for reminder in claimed:
            text = reminder_wording.compose(session, reminder, now, self.tz)
            if text is None:
                self._finish(
                    session, saved_id(reminder), ReminderState.SKIPPED, "it no longer applies"
                )
            else:
                batch.append(_outgoing(reminder, text))
        return batch, len(claimed) - len(batch)

    def _post(self, claimed_at: datetime, outgoing: Outgoing) -> "Timed":
        """Post, a channel gap after this channel's last post: rounds are a second apart,
        but a round's posts spread out, so the round alone does not keep the gap."""
        channel = outgoing.channel_id
        with self._posted_lock:
            last = self._posted.get(channel)
        if last is not None:
            self.sleep(max(0.0, last + self.channel_gap - time.monotonic()))
        started = time.monotonic()
        still_ours = partial(self._keep_claim, claimed_at, outgoing.id)
        try:
            outcome = post_reminder(self.client_for(outgoing.team_id), outgoing, still_ours)
            return Timed(outcome, time.monotonic() - started)
        finally:
            with self._posted_lock:
                self._posted[channel] = time.monotonic()

    def _keep_claim(self, claimed_at: datetime, reminder_id: int) -> bool:
        """Right before a post: is the claim still ours for longer than the post can
        take? If not, renew it; False if it lapsed and another dispatcher took it (that
        one posts it: the channel's history cannot show a post still on its way)."""
        now = self.clock()
        needed = timedelta(seconds=self.post_timeout + RENEW_LEEWAY)
        if now + needed <= claimed_at + self.lease:
            return True  # nobody can take it before the post is over
        renewed = in_transaction(
            self.engine,
            partial(outbox.renew, reminder_id=reminder_id, worker=self.worker, now=now),
        )
        if not renewed:
            log.info("reminder %s: its claim lapsed to another dispatcher; not posted", reminder_id)
        return renewed

    def _record(self, batch: list[Outgoing], timed: list["Timed"], session: Session) -> list[str]:
        """Each outcome into the outbox; answers the Summary field each one counts in.
        A row whose claim was lost is another dispatcher's to record."""
        pairs = [
            (outgoing, each.outcome)
            for outgoing, each in zip(batch, timed, strict=True)
            if each.outcome.result is not Result.LOST
        ]
        sent = {o.id: outcome.message_ts for o, outcome in pairs if outcome.result is Result.SENT}
        recorded = outbox.finish_sent(session, sent=sent, worker=self.worker, now=self.clock())
        for lapsed in set(sent) - recorded:
            log.warning("reminder %s: its claim lapsed before it was recorded", lapsed)
        # A failure bumps its partnership's version, locking that row (migration 0008):
        # in partnership order, two replicas recording failures never wait on each other
        # in a circle.
        unsent = sorted(
            (pair for pair in pairs if pair[0].id not in sent),
            key=lambda pair: pair[0].partnership_id,
        )
        others = [self._record_unsent(session, *pair) for pair in unsent]
        return ["sent"] * len(sent) + others

    def _record_unsent(self, session: Session, outgoing: Outgoing, outcome: Outcome) -> str:
        attempts = outgoing.attempts + (0 if outcome.rate_limited else 1)
        if outcome.result is Result.FAILED or attempts >= MAX_ATTEMPTS:
            reason = outcome.reason
            if outcome.result is Result.RETRY:
                reason = f"gave up after {attempts} attempts: {reason}"
            self._finish(session, outgoing.id, ReminderState.FAILED, reason)
            log.warning("reminder %s to %s failed: %s", outgoing.id, outgoing.channel_id, reason)
            return "failed"
        wait = (
            timedelta(seconds=outcome.wait)
            if outcome.rate_limited
            else BACKOFF[min(attempts, len(BACKOFF)) - 1]
        )
        if outcome.rate_limited:  # Slack's wait is for the channel, not only this message
            self._held[outgoing.channel_id] = self.clock() + wait
        outbox.try_again(
            session,
            reminder_id=outgoing.id,
            worker=self.worker,
            not_before=self.clock() + wait,
            counts=not outcome.rate_limited,
            unsure=outcome.unsure,
            outcome=outcome.reason,
        )
        log.info("reminder %s: %s; trying again in %s", outgoing.id, outcome.reason, wait)
        return "retrying"

    def _finish(self, session: Session, reminder_id: int, state: ReminderState, reason: str):
        if not outbox.finish(
            session,
            reminder_id=reminder_id,
            worker=self.worker,
            state=state,
            now=self.clock(),
            outcome=reason,
        ):
            log.warning("reminder %s: its claim lapsed before it was recorded", reminder_id)


@dataclass(frozen=True)
class Timed:
    outcome: Outcome
    seconds: float  # how long posting it took


def _outgoing(reminder: Reminder, text: str) -> Outgoing:
    return Outgoing(
        id=saved_id(reminder),
        team_id=reminder.team_id,
        partnership_id=reminder.partnership_id,
        channel_id=reminder.channel_id,
        thread_ts=reminder.thread_ts,
        due_at=reminder.due_at,
        attempts=reminder.attempts,
        unsure=reminder.unsure,
        text=text,
    )
