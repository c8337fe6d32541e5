"""What the benchmarks share: a throw-away database, the bot as a process, a timed
keep-alive client for signed commands, percentiles and processes' CPU time."""

import contextlib
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.web import SLACK_PATH
from tests.processes import BotProcess
from tests.slack_requests import sign

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@contextlib.contextmanager
def database(kind: str, workdir: Path, pg_url: str) -> Iterator[str]:
    """A new SQLite file in `workdir`, or a new PostgreSQL database created from
    `pg_url` (partnerbot_bench_<random>) and dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"partnerbot_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def process_tree(pid: int) -> list[int]:
    """pid, then every process below it."""
    pids, found = [pid], []
    while pids:
        found.append(pids.pop(0))
        with contextlib.suppress(FileNotFoundError):  # a process that has just ended
            for task in Path(f"/proc/{found[-1]}/task").iterdir():
                pids += map(int, (task / "children").read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds the processes have used (/proc/PID/stat)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # a process that has just ended
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@contextlib.contextmanager
def running_bots(
    env: dict, workdir: Path, count: int = 1, *, timeout: float = 60
) -> Iterator[list[BotProcess]]:
    """`count` `partnerbot run` processes for the length of the block, spawned together
    (each with its own port and log in `workdir`); their log tails printed if one fails."""
    bots = [BotProcess(env, workdir / f"bot{n}.log") for n in range(1, count + 1)]
    try:
        for bot in bots:
            bot.spawn()
        for bot in bots:
            bot.wait_until_healthy(timeout)
        yield bots
    except BaseException:
        for n, bot in enumerate(bots, 1):
            with contextlib.suppress(OSError):
                print(f"--- bot {n} log ---\n{bot.logs()[-3000:]}", file=sys.stderr)
        raise
    finally:
        for bot in bots:
            # wait_until_healthy() may fail after spawning; stop() then still ends it.
            with contextlib.suppress(AssertionError):
                bot.stop()


def signed_headers(body: str) -> dict:
    return sign(body) | FORM


def reply_text(body: str) -> str:
    """The `text` of a JSON reply, or the raw body when it is not one."""
    try:
        return json.loads(body).get("text", "")
    except (json.JSONDecodeError, AttributeError):
        return body


class Client:
    """One keep-alive HTTP connection to the bot, timing each signed command."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname, parts.port
        self._connection = HTTPConnection(self._host, self._port, timeout=10)

    def post(self, body: str) -> tuple[int, str, float]:
        """(status, body, seconds); signing happens before the clock starts."""
        headers, data = signed_headers(body), body.encode()
        started = time.perf_counter()
        try:
            self._connection.request("POST", SLACK_PATH, body=data, headers=headers)
            response = self._connection.getresponse()
            answer = response.read().decode()
        except (OSError, HTTPException):
            self._connection.close()  # a fresh connection next time
            self._connection = HTTPConnection(self._host, self._port, timeout=10)
            raise
        return response.status, answer, time.perf_counter() - started

    def close(self) -> None:
        self._connection.close()
