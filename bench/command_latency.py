"""How fast does the real bot acknowledge signed slash commands over HTTP?

This starts `partnerbot run` (gunicorn, HTTP mode) against the fake Slack Web API from
the test suite, creates a partnership in channel C1 with ~20 members, warms up, and then
times signed `/partnership show` and `/partnership list` requests:

* sequentially, one keep-alive connection, --requests requests each;
* concurrently, --concurrency client threads with a keep-alive connection each,
  --concurrent-requests requests in total per command.

Every request is signed afresh (Slack's signature covers the timestamp and the body).
Every response must be HTTP 200 and contain the expected text; anything else is
counted and printed as a failure, and is left out of the latency figures.

It prints count, p50, p90, p99 and max latency in milliseconds and requests per second
for each scenario. The figures are from loopback on this machine, with the client
competing with the bot for the same CPUs: compare runs with each other, not with Slack's
3-second deadline. Nothing here asserts anything about time; it is not a test.

Run it by hand from the repository root:

    .venv/bin/python bench/command_latency.py
    .venv/bin/python bench/command_latency.py --database postgresql
    .venv/bin/python bench/command_latency.py --requests 200 --concurrency 4

PostgreSQL needs a server that accepts CREATE DATABASE from --pg-url (default: the test
suite's PARTNERBOT_TEST_PG_URL, or postgres@127.0.0.1:5432/test); a fresh database
named partnerbot_bench_<random> is created for the run and dropped afterwards.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # so `tests.…` imports work when run as a script

from bench.support import (  # noqa: E402
    Client,
    database,
    percentile,
    reply_text,
    running_bot,
    signed_headers,
)
from bot.web import SLACK_PATH  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.processes import http_request  # noqa: E402
from tests.slack_requests import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    slash_command_body,
)

TEAM, USER, CHANNEL = "T1", "U1", "C1"
PARTNERSHIP = "Spelthorne LSP"
MEMBERS = 20  # besides the creator, who is the first officer
WARMUP = 50
DEFAULT_PG_URL = os.environ.get(
    "PARTNERBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# --- Requests --------------------------------------------------------------------------


def command_body(text_: str) -> str:
    return slash_command_body("/partnership", text_, team=TEAM, user=USER, channel=CHANNEL)


# --- Results ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    def record(self, status: int, body: str, seconds: float, expected: str) -> None:
        if status == 200 and expected in reply_text(body):
            self.seconds.append(seconds)
        else:
            self.failures.append(f"HTTP {status}: {body[:200]!r}")


def print_header() -> None:
    print(
        f"{'scenario':<34} {'ok':>6} {'fail':>5} {'p50':>8} {'p90':>8} {'p99':>8} "
        f"{'max':>8} {'req/s':>8}"
    )


def print_result(result: Result) -> None:
    values = sorted(result.seconds)
    if not values:
        print(f"{result.name:<34} {0:>6} {len(result.failures):>5}  (no successful requests)")
        return
    ms = [percentile(values, p) * 1000 for p in (50, 90, 99)] + [values[-1] * 1000]
    total = len(values) + len(result.failures)
    rate = total / result.wall if result.wall else 0.0
    print(
        f"{result.name:<34} {len(values):>6} {len(result.failures):>5} "
        + " ".join(f"{v:>8.2f}" for v in ms)
        + f" {rate:>8.1f}"
    )


def print_failures(results: list[Result]) -> None:
    for result in results:
        for failure in result.failures[:10]:
            print(f"  FAILED {result.name}: {failure}")
        if len(result.failures) > 10:
            print(f"  …and {len(result.failures) - 10} more failures in {result.name}")


# --- Scenarios -------------------------------------------------------------------------


def run_sequential(url: str, name: str, text_: str, expected: str, count: int) -> Result:
    result, body, client = Result(name), command_body(text_), Client(url)
    started = time.perf_counter()
    try:
        for _ in range(count):
            _send(client, body, expected, result)
    finally:
        result.wall = time.perf_counter() - started
        client.close()
    return result


def run_concurrent(
    url: str, name: str, text_: str, expected: str, total: int, clients: int
) -> Result:
    """`clients` threads, each on its own connection, sharing `total` requests."""
    body = command_body(text_)
    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    per_thread = [Result(name) for _ in shares]
    start = threading.Barrier(clients + 1)

    def worker(share: int, partial: Result) -> None:
        client = Client(url)
        try:
            start.wait()
            for _ in range(share):
                _send(client, body, expected, partial)
        finally:
            client.close()

    threads = [
        threading.Thread(target=worker, args=(share, partial))
        for share, partial in zip(shares, per_thread, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result = Result(name, wall=time.perf_counter() - started)
    for partial in per_thread:
        result.seconds += partial.seconds
        result.failures += partial.failures
    return result


def _send(client: Client, body: str, expected: str, result: Result) -> None:
    try:
        status, answer, seconds = client.post(body)
    except (OSError, HTTPException) as exc:
        result.failures.append(f"{type(exc).__name__}: {exc}")
        return
    result.record(status, answer, seconds, expected)


# --- Setup -----------------------------------------------------------------------------


def setup_partnership(url: str) -> None:
    """A partnership in C1 with the creator as officer and MEMBERS members."""
    _must_say(url, f"create {PARTNERSHIP}", f"created *{PARTNERSHIP}*")
    for n in range(MEMBERS):
        user = f"UM{n:04d}"
        _must_say(url, f"role <@{user}|member{n}> member", "is now a member")


def _must_say(url: str, text_: str, expected: str) -> None:
    body = command_body(text_)
    status, answer = http_request("POST", url + SLACK_PATH, body.encode(), signed_headers(body))
    if status != 200 or expected not in reply_text(answer):
        raise SystemExit(f"setup failed at {text_!r}: HTTP {status} {answer[:300]!r}")


def warm_up(url: str, checks: list[tuple[str, str]]) -> Result:
    result, client = Result("warm-up"), Client(url)
    try:
        for i in range(WARMUP):
            text_, expected = checks[i % len(checks)]
            _send(client, command_body(text_), expected, result)
    finally:
        client.close()
    return result


# --- The bot and its database ----------------------------------------------------------


# --- Main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    show_expected = f"{PARTNERSHIP}: 1 channel, {MEMBERS + 1} members"
    list_expected = "1 partnership in this workspace"
    checks = [("show", show_expected), ("list", list_expected)]

    with (
        tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp,
        FakeSlack() as fake,
        database(args.database, Path(tmp), args.pg_url) as database_url,
    ):
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
        }
        with running_bot(env, Path(tmp) / "bot.log") as bot:
            setup_partnership(bot.url)
            warm = warm_up(bot.url, checks)
            slack_calls_before = len(fake.calls)
            results = [
                run_sequential(bot.url, "show, sequential", "show", show_expected, args.requests),
                run_sequential(bot.url, "list, sequential", "list", list_expected, args.requests),
                run_concurrent(
                    bot.url,
                    f"show, {args.concurrency} clients",
                    "show",
                    show_expected,
                    args.concurrent_requests,
                    args.concurrency,
                ),
                run_concurrent(
                    bot.url,
                    f"list, {args.concurrency} clients",
                    "list",
                    list_expected,
                    args.concurrent_requests,
                    args.concurrency,
                ),
            ]
            slack_calls = len(fake.calls) - slack_calls_before

    print_report(args, warm, results, slack_calls)
    return 1 if warm.failures or any(r.failures for r in results) else 0


def print_report(args, warm: Result, results: list[Result], slack_calls: int) -> None:
    print(
        f"partnerbot command latency: database={args.database}, cpu_count={os.cpu_count()}, "
        f"python={sys.version.split()[0]}"
    )
    print(
        "Figures are from loopback on this machine (client and bot share its CPUs); "
        "latencies in ms, request to full response, signing excluded."
    )
    print(
        f"Partnership of {MEMBERS + 1} people; warm-up {WARMUP} requests "
        f"({len(warm.failures)} failed); Slack Web API calls while measuring: {slack_calls}."
    )
    print()
    print_header()
    for result in results:
        print_result(result)
    print_failures([warm, *results])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=500, help="sequential requests per command (500)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client threads (8)")
    parser.add_argument(
        "--concurrent-requests",
        type=int,
        default=2000,
        help="requests per command across all concurrent clients (2000)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="an existing PostgreSQL database to CREATE/DROP the bench database from",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.concurrent_requests) < 1:
        parser.error("--requests, --concurrency and --concurrent-requests must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(main())
