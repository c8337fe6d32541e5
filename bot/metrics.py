"""Prometheus metrics at /metrics: requests, their latency, reminders and the queue.

With several gunicorn workers, PROMETHEUS_MULTIPROC_DIR names a directory where
prometheus_client keeps each worker's counts, and a scrape sums them, whichever worker
answers it (bot.server.make_run_directory sets it up).
"""

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

if TYPE_CHECKING:
    from scheduler.dispatcher import Summary

log = logging.getLogger(__name__)

REQUESTS = Counter("partnerbot_requests", "Requests to /slack/events, by HTTP status", ["status"])
LATENCY = Histogram(
    "partnerbot_request_seconds",
    "Time to answer a request to /slack/events",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
COMMANDS = Counter("partnerbot_commands", "Slash commands, by outcome", ["command", "outcome"])
REMINDERS = Counter("partnerbot_reminders", "Reminders finished, by result", ["result"])


def count_reminders(summary: "Summary") -> None:
    for result in ("sent", "failed", "skipped"):
        if n := getattr(summary, result):
            REMINDERS.labels(result).inc(n)


class QueueDepth(Collector):
    """Reminders due and not yet posted, counted afresh at each scrape."""

    NAME, HELP = "partnerbot_reminder_queue_depth", "Reminders due and not yet posted"

    def __init__(self, count: Callable[[], int]):
        self.count = count

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registering asks for the names, from collect() unless this says them: a query
        # at every worker's boot, and a worker that fails to boot (the database down)
        # makes gunicorn stop the whole server.
        yield GaugeMetricFamily(self.NAME, self.HELP)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth = self.count()
        except Exception:  # the database, down: the other metrics still answer the scrape
            log.warning("reminder queue depth unavailable", exc_info=True)
            return
        yield GaugeMetricFamily(self.NAME, self.HELP, value=depth)


_queue: list[QueueDepth] = []  # this process's, once reminders start


def watch_queue(count: Callable[[], int]) -> None:
    _queue.append(QueueDepth(count))
    REGISTRY.register(_queue[-1])


def exposition() -> tuple[bytes, str]:
    return generate_latest(_scraped()), CONTENT_TYPE_LATEST


def _scraped() -> CollectorRegistry:
    if not shared_directory():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # every worker's counts, summed
    for collector in _queue:
        registry.register(collector)
    return registry


def shared_directory() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def worker_exited(pid: int) -> None:
    if shared_directory():
        multiprocess.mark_process_dead(pid)
