"""The dispatcher: settle what was missed, claim what is due, post it, record it.

It works in rounds. A round claims up to CHANNELS_PER_ROUND channels that no other
dispatcher holds and that have a reminder due (storage.channel_claims), then the
earliest due reminder of each, posts them side by side and records every outcome in
one transaction, which also keeps each channel for a second after its post (Slack's
rate for chat.postMessage is about one message a second per channel): the dispatcher
paces each channel itself, whichever replica posts to it next, so Slack's 429s are rare.
Up to OVERLAP rounds are in flight at once, so claiming the next round does not wait
for the posts of the last. Several dispatchers (replicas) may share one database.

Each claim also ends the rows posted nowhere that are due (storage.outbox.HOME_ONLY: a
date passed, a window opened) and tells `on_changed` of their partnerships, whose Home
tabs then show something else.
"""

import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from commands.context import Clock
from reminders import nudge, wording
from scheduler.posting import Outcome, Outgoing, Result, post_reminder
from scheduler.stuck_starts import finish_stuck_starts
from storage import channel_claims, outbox
from storage.models import Reminder, ReminderState, saved_id
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
POST_TIMEOUT = 10  # seconds: the Web API client's timeout, so the longest a call can take
# A renewed claim outlasts the post's timeout by this much: leeway for replicas' clocks
# and for a message Slack stores after the client stopped waiting.
RENEW_LEEWAY = 5
CHANNEL_GAP = 1.0  # seconds between two messages to one channel
CHANNELS_PER_ROUND = 64
OVERLAP = 3  # rounds in flight at once
MAX_ATTEMPTS = 5  # errors other than rate limiting; then the reminder is marked failed
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
WAIT_IN_RUN = timedelta(seconds=5)  # a retry due this soon is waited for, not left to the clock
# A round claims what is due AHEAD from now and posts it then: the claim's own time is
# not added to every channel's gap, and one claim takes every channel coming free
# meanwhile (a claim costs the same for one channel as for dozens, and with hundreds of
# channels a second, one claim each would be most of the work).
AHEAD = timedelta(seconds=0.05)

ClientFor = Callable[[str], WebClient]  # a workspace's client, by team id
# Told of each partnership whose Homes the clock changed (team id, partnership id).
OnChanged = Callable[[str, int], None]


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retrying: int = 0
    next_due: datetime | None = None


@dataclass(frozen=True)
class Round:
    token: str  # held by this round's channel and row claims
    at: datetime  # the moment it claimed them for, AHEAD of when it did; posted from then
    batch: list[Outgoing]
    skipped: int  # claimed rows that no longer applied
    channels: int  # channels claimed
    changed: set[tuple[str, int]]  # partnerships whose Homes a HOME_ONLY row refreshes


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
        on_changed: OnChanged | None = None,
    ):
        if lease.total_seconds() <= post_timeout:
            raise ValueError("a claim's lease must outlast a post (the client's timeout)")
        self.engine, self.client_for, self.tz = engine, client_for, tz
        self.on_changed = on_changed
        self.threads, self.post_timeout = threads, post_timeout
        self.clock, self.sleep, self.lease = clock, sleep, lease
        self.channel_gap = timedelta(seconds=channel_gap)
        host = socket.gethostname()[:32]
        self.worker = f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Each round's claims carry a token of their own: a claim that lapsed and was
        # taken by a later round of this same dispatcher is no longer the first's.
        self._rounds = itertools.count(1)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="reminders")
        self._rounds_pool = ThreadPoolExecutor(OVERLAP, thread_name_prefix="reminder-rounds")
        self._running = threading.Lock()
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
        """Stop after the rounds in flight (their outcomes are recorded), then the threads."""
        self._stopping.set()
        with self._running:
            self._rounds_pool.shutdown(wait=True)
            self._pool.shutdown(wait=True)

    def _run(self) -> Summary:
        summary = Summary()
        finish_stuck_starts(self.engine, self.client_for, tz=self.tz, now=self.clock())
        in_transaction(self.engine, self._settle)
        in_flight: set[Future] = set()
        try:
            while not self._stopping.is_set():
                if len(in_flight) >= OVERLAP:
                    in_flight = self._reap(in_flight, summary, timeout=None)
                    continue
                round_ = in_transaction(self.engine, partial(self._claim, self.clock() + AHEAD))
                self._tell_changed(round_.changed)  # once the rows are ended: committed
                summary.skipped += round_.skipped
                if round_.batch:
                    in_flight.add(self._rounds_pool.submit(self._post_round, round_))
                if round_.channels:
                    continue
                summary.next_due = in_transaction(self.engine, partial(self._next_due, round_.at))
                wait_for = self._seconds_until(summary.next_due)
                if in_flight:  # a round's end frees its channels a gap later
                    in_flight = self._reap(in_flight, summary, timeout=wait_for)
                elif wait_for is None or wait_for > WAIT_IN_RUN.total_seconds():
                    return summary
                else:
                    self.sleep(wait_for)
        finally:
            self._reap(in_flight, summary, timeout=None, every=True)
        return summary

    def _reap(
        self, in_flight: set[Future], summary: Summary, *, timeout: float | None, every=False
    ) -> set[Future]:
        """Wait for a round in flight to end (or for `timeout`), and count its outcomes."""
        done, pending = wait(in_flight, timeout, ALL_COMPLETED if every else FIRST_COMPLETED)
        for future in done:
            for field in future.result():
                setattr(summary, field, getattr(summary, field) + 1)
        return pending

    def _seconds_until(self, moment: datetime | None) -> float | None:
        """Until the claim for `moment`, which is made AHEAD of it."""
        if moment is None:
            return None
        return max(0.0, (moment - AHEAD - self.clock()).total_seconds())

    def _settle(self, session: Session) -> None:
        now = self.clock()
        nudge.sweep(session, now)
        outbox.settle_missed(session, now=now)

    def _next_due(self, now: datetime, session: Session) -> datetime | None:
        """When a row can next be claimed after `now` (what the last claim was for): the
        next to fall due (or be retried, or to lapse), or the end of a claim on a channel
        with a row due."""
        held_until = channel_claims.next_free(session, now=now, lease=self.lease)
        if held_until is not None:
            # Another dispatcher's claim for a post runs to the end of its lease, but it
            # gives the channel back a gap after the post: look again by then.
            held_until = min(held_until, now + self.channel_gap)
        times = (outbox.next_due(session, lease=self.lease), held_until)
        return min((t for t in times if t is not None and t > now), default=None)

    def _round_size(self) -> int:
        """As many rows as can be posted before their claims lapse: the pool posts a
        wave of `threads` at a time, each as slow as the last round's slowest post, and
        the last wave must begin early enough for a post to end within the lease. (A
        post that would begin later renews its claim first: see _keep_claim.)"""
        spare = self.lease.total_seconds() - self.post_timeout - RENEW_LEEWAY
        waves = 1 + max(0, int(spare / max(self._slowest, 0.001)))
        return min(CHANNELS_PER_ROUND, self.threads * waves)

    def _claim(self, now: datetime, session: Session) -> Round:
        """Channels first, then a row in each; a channel left with nothing to post is
        given back at once."""
        token = f"{self.worker}#{next(self._rounds)}"
        changed = outbox.finish_home_only(session, now=now)
        channels = channel_claims.claim(
            session, token=token, now=now, lease=self.lease, limit=self._round_size()
        )
        # No channel held, no row to take: an idle check costs no second statement.
        claimed = outbox.claim(session, worker=token, now=now, lease=self.lease) if channels else []
        batch = []
        with outbox.subjects_at_hand(session, claimed):
            for reminder in claimed:
                text = wording.compose(session, reminder, now, self.tz)
                if text is None:
                    self._finish(
                        session,
                        token,
                        saved_id(reminder),
                        ReminderState.SKIPPED,
                        "it no longer applies",
                    )
                else:
                    batch.append(_outgoing(reminder, text))
        posting = {(o.team_id, o.channel_id) for o in batch}
        idle = {channel: now for channel in channels if channel not in posting}
        channel_claims.release(session, token=token, until=idle)
        return Round(token, now, batch, len(claimed) - len(batch), len(channels), changed)

    def _post_round(self, round_: Round) -> list[str]:
        """Post a round's reminders side by side, then record them; answers the Summary
        field each one counts in."""
        wait = (round_.at - self.clock()).total_seconds()
        if wait > 0:  # not before the moment it was claimed for: a channel's gap, a row's due
            self.sleep(wait)
        timed = list(self._pool.map(partial(self._post, round_), round_.batch))
        self._slowest = max(each.seconds for each in timed)
        return in_transaction(self.engine, partial(self._record, round_, timed))

    def _tell_changed(self, changed: set[tuple[str, int]]) -> None:
        """The partnerships whose Homes the clock changed, once each. What is done with
        them never stops the dispatcher."""
        if self.on_changed is None:
            return
        for team_id, partnership_id in sorted(changed):
            try:
                self.on_changed(team_id, partnership_id)
            except Exception:
                log.exception("refreshing the Homes of partnership %s failed", partnership_id)

    def _post(self, round_: Round, outgoing: Outgoing) -> "Timed":
        started = time.monotonic()
        still_ours = partial(self._keep_claim, round_, outgoing)
        outcome = post_reminder(self.client_for(outgoing.team_id), outgoing, still_ours)
        return Timed(outcome, time.monotonic() - started, self.clock())

    def _keep_claim(self, round_: Round, outgoing: Outgoing) -> bool:
        """Right before a post: are the claims on the row and its channel still ours for
        longer than the post can take? If not, renew them; False if they lapsed and
        another dispatcher took them (that one posts it: the channel's history cannot
        show a post still on its way)."""
        now = self.clock()
        needed = timedelta(seconds=self.post_timeout + RENEW_LEEWAY)
        if now + needed <= round_.at + self.lease:
            return True  # nobody can take it before the post is over
        renewed = in_transaction(self.engine, partial(self._renew, round_.token, outgoing, now))
        if not renewed:
            log.info("reminder %s: its claim lapsed to another dispatcher; not posted", outgoing.id)
        return renewed

    def _renew(self, token: str, outgoing: Outgoing, now: datetime, session: Session) -> bool:
        """The channel first, as a claim takes them: two transactions never wait on each
        other in a circle."""
        channel = (outgoing.team_id, outgoing.channel_id)
        return channel_claims.renew(
            session, token=token, channel=channel, until=now + self.lease
        ) and outbox.renew(session, reminder_id=outgoing.id, worker=token, now=now)

    def _record(self, round_: Round, timed: list["Timed"], session: Session) -> list[str]:
        """Each outcome into the outbox, and each channel kept for its gap (longer if
        Slack asked for it). A row whose claim was lost is another dispatcher's to record."""
        pairs = [
            (outgoing, each)
            for outgoing, each in zip(round_.batch, timed, strict=True)
            if each.outcome.result is not Result.LOST
        ]
        channel_claims.release(
            session,
            token=round_.token,
            until={
                (o.team_id, o.channel_id): each.free_from(self.channel_gap) for o, each in pairs
            },
        )
        sent = {
            o.id: each.outcome.message_ts for o, each in pairs if each.outcome.result is Result.SENT
        }
        recorded = outbox.finish_sent(session, sent=sent, worker=round_.token, now=self.clock())
        for lapsed in set(sent) - recorded:
            log.warning("reminder %s: its claim lapsed before it was recorded", lapsed)
        # In channel order, as the claims were taken and given back.
        unsent = sorted(
            ((o, each.outcome) for o, each in pairs if o.id not in sent),
            key=lambda pair: (pair[0].team_id, pair[0].channel_id),
        )
        others = [self._record_unsent(session, round_.token, *pair) for pair in unsent]
        return ["sent"] * len(sent) + others

    def _record_unsent(
        self, session: Session, token: str, outgoing: Outgoing, outcome: Outcome
    ) -> str:
        attempts = outgoing.attempts + (0 if outcome.rate_limited else 1)
        if outcome.result is Result.FAILED or attempts >= MAX_ATTEMPTS:
            reason = outcome.reason
            if outcome.result is Result.RETRY:
                reason = f"gave up after {attempts} attempts: {reason}"
            self._finish(session, token, outgoing.id, ReminderState.FAILED, reason)
            log.warning("reminder %s to %s failed: %s", outgoing.id, outgoing.channel_id, reason)
            return "failed"
        wait = (
            timedelta(seconds=outcome.wait)
            if outcome.rate_limited
            else BACKOFF[min(attempts, len(BACKOFF)) - 1]
        )
        outbox.try_again(
            session,
            reminder_id=outgoing.id,
            worker=token,
            not_before=self.clock() + wait,
            counts=not outcome.rate_limited,
            unsure=outcome.unsure,
            outcome=outcome.reason,
        )
        log.info("reminder %s: %s; trying again in %s", outgoing.id, outcome.reason, wait)
        return "retrying"

    def _finish(
        self, session: Session, token: str, reminder_id: int, state: ReminderState, reason: str
    ) -> None:
        if not outbox.finish(
            session,
            reminder_id=reminder_id,
            worker=token,
            state=state,
            now=self.clock(),
            outcome=reason,
        ):
            log.warning("reminder %s: its claim lapsed before it was recorded", reminder_id)


@dataclass(frozen=True)
class Timed:
    outcome: Outcome
    seconds: float  # how long posting it took
    ended: datetime

    def free_from(self, gap: timedelta) -> datetime:
        """When its channel may take the next message: a gap after this post's answer
        (Slack counts from when it took the message, somewhere before that), or after
        the wait a 429 asked for, which is for the whole channel."""
        if self.outcome.rate_limited:
            return self.ended + max(gap, timedelta(seconds=self.outcome.wait))
        return self.ended + gap


def _outgoing(reminder: Reminder, text: str) -> Outgoing:
    return Outgoing(
        id=saved_id(reminder),
        team_id=reminder.team_id,
        channel_id=reminder.channel_id,
        thread_ts=reminder.thread_ts,
        due_at=reminder.due_at,
        attempts=reminder.attempts,
        unsure=reminder.unsure,
        text=text,
    )
