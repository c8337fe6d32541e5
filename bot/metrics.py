"""Prometheus metrics at /metrics: requests, their latency, reminders and the queue.

prometheus_client's default registry is per process: with WEB_CONCURRENCY above 1,
each scrape sees the worker that answered it (see README, Operations).
"""

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Engine
from sqlmodel import Session

from scheduler.dispatch import Summary
from storage.reminders import due_count

REQUESTS = Counter("partnerbot_requests", "Requests to /slack/events, by HTTP status", ["status"])
LATENCY = Histogram(
    "partnerbot_request_seconds",
    "Time to answer a request to /slack/events",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
COMMANDS = Counter("partnerbot_commands", "Slash commands, by outcome", ["command", "outcome"])
REMINDERS = Counter("partnerbot_reminders", "Reminders finished, by result", ["result"])


def count_reminders(summary: Summary) -> None:
    for result in ("sent", "failed", "skipped"):
        if n := getattr(summary, result):
            REMINDERS.labels(result).inc(n)


class QueueDepth(Collector):
    """Reminders due and not yet posted, read from the outbox at each scrape."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]):
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with Session(self.engine) as session:
            depth = due_count(session, now=self.clock())
        yield GaugeMetricFamily(
            "partnerbot_reminder_queue_depth", "Reminders due and not yet posted", value=depth
        )


def watch_queue(engine: Engine, clock: Callable[[], datetime]) -> None:
    REGISTRY.register(QueueDepth(engine, clock))


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
