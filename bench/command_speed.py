"""How fast, how steady and how lean is the real bot on `/budget` and `/deadline list`?

Run it by hand from the repository root; all parts on one database take 12-15 minutes
on a 2-core machine (the start-up with 10,000 partnerships alone takes minutes):

    apt-get install -y wrk           # the load generator (else --client python is used)
    .venv/bin/pip install py-spy     # only for --profile
    .venv/bin/python bench/command_speed.py --database sqlite --profile /tmp/prof-sqlite
    .venv/bin/python bench/command_speed.py --database postgresql --profile /tmp/prof-pg
    .venv/bin/python bench/command_speed.py --skip-startup --skip-scale --skip-memory
    .venv/bin/python bench/command_speed.py --workers 2 --log-level WARNING --skip-scale
    .venv/bin/python bench/command_speed.py --client python --requests 2000

It starts `partnerbot run` (gunicorn, HTTP mode: the production server) against the
fake Slack Web API from the test suite, and measures signed slash commands sent over
loopback HTTP to a partnership (team T1, channel C1) holding 1,000 budget lines and
1,000 deadlines:

* start-up: from spawning `partnerbot run` to the first 200 from /healthz (polled every
  10 ms), on a fresh database (migrations run) and on an already-migrated one (empty,
  then with 10 partnerships, then with 10,000);
* the floor: bench/bare_bolt.py, a bare Bolt app acking a constant with the same
  signing secret, served by the same gunicorn set-up (bot.server.serve), same client,
  running beside the bot and measured in each of the bot's phases;
* the floor, `/budget` (the summary) and `/deadline list` at 1 client, then at
  --concurrency clients in --rounds rounds (3: the floor, then each command, one after
  the other, in each round); a figure at --concurrency clients is the median of its
  rounds (max: the worst), because one run of the same server varies by about
  ±15% (the floor alone, 16 runs in a row: 1.32-1.75 ms), which one run each of the
  floor and a command doubles in their ratio. Each round is printed too;
* for each run: count, failures, p50, p90, p99 and max in ms, requests per second, and the
  server's CPU time and context switches a request (all its processes and threads,
  from /proc: what the threads' turns at the GIL cost shows there), and how the
  client's connections were spread over the workers ("5+3": with SO_REUSEPORT the
  kernel hashes each connection to a worker, so a run may load one worker more);
* memory: the resident memory of the gunicorn master and its workers after warm-up
  and after every 10,000 of --memory-requests commands (half `/budget`, half
  `/deadline list`, interleaved, at --concurrency clients). The target is checked
  against every physical page that any of the server's processes maps, counted once
  (from /proc/PID/pagemap, which shows page frame numbers to root only): pages the
  workers share copy-on-write with the master count once, and shared libraries count
  whole, though other processes (the floor, this script) map them too. Beside it: the
  PSS sum, which splits each page among all the processes on the machine that map it
  (so it leaves out part of the libraries, 14-17 MB here, and is what the target is
  checked against where frame numbers are hidden), and each process's VmRSS, which
  counts a shared page in every process that maps it;
* scale: the same scenarios with 10 partnerships in the database and again with
  --partnerships (10,000, about a million rows: each has its channel, 3 members, 2
  funds, 3 payments, 20 budget lines, their audit rows, 8 deadlines, 2 events and
  their reminders), and the ratio of the p50s.

The data is written as the commands write it: the measured partnership is created
with real slash commands (a fund with an allocation, a contribution, two lines, a
spend, a cancellation, a deadline, a funding window and an event), and those rows are
the templates that fast bulk INSERTs (executemany, one transaction) copy for the rest,
with audit rows carrying the running fund totals and reminders planned by the bot's
own commands.reminders.planned(). Before measuring, `/budget`, `/budget lines`,
`/budget history` and `/deadline list` must answer exactly the totals and counts the
benchmark computes from the rows, and restarting the bot (which plans any missing
reminders at start) must add no reminder row. On PostgreSQL the tables are ANALYZEd
after the bulk load, as autovacuum would do shortly after one; SQLite gets no ANALYZE
(the bot never runs one).

The client is cheap, because it shares the 2 CPUs with the bot: wrk (C, epoll; `apt-get
install wrk`) with a generated Lua script, or, with --client python or without wrk, one
Python thread per client on a keep-alive connection. Requests are signed before the
clock starts and replayed (Slack signs timestamp + body, a signature stays valid for 5
minutes, and Bolt does not dedupe slash commands); every run is at most one chunk of
--chunk requests, signed afresh. Every response must be HTTP 200 and contain the
expected text (JSON-escaped, as Bolt sends it); anything else, socket errors included,
is counted and printed as a failure. Percentiles are nearest-rank over the per-request
latencies (wrk keeps them in a 1-microsecond histogram).

--profile DIR records the workers with py-spy during one more run of each command at
--concurrency clients (not the measured one), sampling the threads py-spy finds
active (time in the DB driver included) and then only the thread holding the GIL,
and prints where the samples fall: by library (exclusive), by call (inclusive) and
the frames with the most self time.

The bot runs as deployed: WEB_CONCURRENCY unset (one worker per CPU) and LOG_LEVEL=INFO
unless --workers or --log-level say otherwise; the floor gets the same WEB_CONCURRENCY.

Each phase is measured once the server has settled (its CPU quiet): /healthz answers
as soon as one worker is up, and the others may still be starting.

Nothing here asserts anything about time; it is not a test. Figures are from loopback
on this machine, with client and bot sharing its CPUs. With N closed-loop clients the
latency includes queueing: p50 is about N / throughput once the server is saturated.

The targets from the issue, printed beside the figures: p50 <= 5 ms and p99 <= 25 ms at
8 clients, p50 within 2.5x of the floor's, >= 300 commands/s, p50 at 10,000
partnerships within 1.5x of that at 10, start-up <= 3 s, resident memory (each page
once) <= 150 MB without growth.

PostgreSQL needs a server that accepts CREATE DATABASE from --pg-url (default: the test
suite's PARTNERBOT_TEST_PG_URL, or postgres@127.0.0.1:5432/test); fresh databases
named partnerbot_bench_<random> are created for the run and dropped afterwards.
"""

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlmodel import SQLModel

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # so `tests.…` imports work when run as a script

from bench.bare_bolt import ANSWER as FLOOR_ANSWER  # noqa: E402
from bench.support import database, percentile  # noqa: E402
from commands.budget.view import format_days  # noqa: E402
from commands.money import format_money  # noqa: E402
from commands.reminders import planned  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.models import (  # noqa: E402
    BudgetAudit,
    BudgetLine,
    ChannelLink,
    Deadline,
    Event,
    Fund,
    FundEntry,
    Membership,
    Partnership,
    Reminder,
    ReminderState,
)
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.processes import PARTNERBOT, free_port, http_request  # noqa: E402
from tests.slack_requests import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    sign,
    slash_command_body,
)

SLACK_PATH = "/slack/events"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TEAM, USER, CHANNEL = "T1", "U1", "C1"
PARTNERSHIP = "Spelthorne LSP"
TZ = ZoneInfo("Europe/London")  # the bot's default PARTNERBOT_TZ
BIG_LINES, BIG_DEADLINES, BIG_EVENTS = 1000, 1000, 20
SMALL_PARTNERSHIPS = 10  # the "before" of the scale comparison, the measured one included
WORKSPACES = 500  # the other partnerships are spread over this many teams
MEMORY_SAMPLE = 10_000  # commands between two memory samples
DEFAULT_PG_URL = os.environ.get(
    "PARTNERBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGETS = {
    "p50_ms": 5.0,
    "p99_ms": 25.0,
    "floor_ratio": 2.5,
    "rate": 300.0,
    "scale_ratio": 1.5,
    "startup_s": 3.0,
    "memory_mb": 150.0,
}


# --- Requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A slash command and what its answer must contain."""

    command: str
    text: str
    expected: str  # the reply's whole `text`, checked before the load
    marker: str  # the part of it checked in every response under load

    def body(self) -> str:
        return slash_command_body(self.command, self.text, team=TEAM, user=USER, channel=CHANNEL)

    def wire_marker(self) -> bytes:
        """The marker as it appears in Bolt's JSON response body."""
        return json.dumps(self.marker)[1:-1].encode()


def raw_request(body: str, port: int) -> bytes:
    """A whole signed HTTP/1.1 request, keep-alive, ready to replay."""
    data = body.encode()
    headers = sign(body) | FORM | {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(data))}
    head = f"POST {SLACK_PATH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + data


def post(url: str, command: Command) -> tuple[int, dict | str]:
    """One signed command; (status, parsed JSON body or the raw text)."""
    body = command.body()
    status, answer = http_request("POST", url + SLACK_PATH, body.encode(), sign(body) | FORM)
    try:
        return status, json.loads(answer)
    except json.JSONDecodeError:
        return status, answer


def must_answer(url: str, command: Command) -> dict:
    """The reply, which must be HTTP 200 with exactly the expected text."""
    status, answer = post(url, command)
    got = answer.get("text") if isinstance(answer, dict) else answer
    if status != 200 or got != command.expected:
        raise SystemExit(
            f"{command.command} {command.text!r} answered HTTP {status}:\n  {got!r}\n"
            f"expected:\n  {command.expected!r}"
        )
    return answer


# --- Results ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    ok: int = 0
    failed: int = 0
    samples: list[str] = field(default_factory=list)  # a few failures, as seen
    ms: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # p50, p90, p99, max
    seconds: float = 0.0  # wall time of the whole run
    cpu_ms: float = 0.0  # the server's CPU time (user + system, all processes) a request
    switches: float = 0.0  # the server's context switches a request
    split: str = ""  # the client's connections by worker, e.g. "5+3"

    @property
    def rate(self) -> float:
        return (self.ok + self.failed) / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return self.ms[0]


def print_header(width: int) -> None:
    print(
        f"{'scenario':<{width}} {'ok':>7} {'fail':>5} {'p50':>7} {'p90':>7} {'p99':>7} "
        f"{'max':>8} {'req/s':>7} {'cpu ms':>7} {'ctxsw':>6} {'split':>6}"
    )


def print_result(result: Result, width: int) -> None:
    if not result.ok:
        print(f"{result.name:<{width}} {0:>7} {result.failed:>5}  (no successful requests)")
        return
    print(
        f"{result.name:<{width}} {result.ok:>7} {result.failed:>5} "
        + " ".join(f"{v:>7.2f}" for v in result.ms[:3])
        + f" {result.ms[3]:>8.2f} {result.rate:>7.0f} {result.cpu_ms:>7.3f}"
        + f" {result.switches:>6.1f} {result.split:>6}"
    )


def print_failures(results: list[Result]) -> None:
    for result in results:
        for sample in result.samples[:5]:
            print(f"  FAILED {result.name}: {sample}")
        if result.failed > len(result.samples[:5]):
            print(f"  …{result.failed} failures in all in {result.name}")


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Load generators -------------------------------------------------------------------


def shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def lua_string(value: bytes) -> str:
    """A Lua string literal holding exactly these bytes (\\ddd escapes for the rest)."""
    printable = (chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in value)
    return '"' + "".join(printable) + '"'


# Each wrk thread replays the pre-signed pool, checks every response for one of the
# markers, and stops itself after its share, saying so on stdout: wrk's main thread
# sleeps for the whole -d, so the caller interrupts it (SIGINT) once every thread has
# stopped. done() adds up the threads' counts; wall time runs from the first request
# written to the last response read (CLOCK_MONOTONIC through LuaJIT's ffi).
WRK_SCRIPT = string.Template(
    """-- generated by bench/command_speed.py
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local timespec = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, timespec)  -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

local pool = {$pool}
local markers = {$markers}
local shares = {$shares}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("share", shares[#threads])
end

function init(args)
  ok, failed, sample, turn, first, last = 0, 0, "", 0, 0, 0
end

function request()
  if first == 0 then first = now_us() end
  turn = turn % #pool + 1
  return pool[turn]
end

function response(status, headers, body)
  local good = false
  if status == 200 then
    for _, marker in ipairs(markers) do
      if string.find(body, marker, 1, true) then good = true; break end
    end
  end
  if good then
    ok = ok + 1
  else
    failed = failed + 1
    if sample == "" then sample = status .. " " .. string.sub(body, 1, 200) end
  end
  if ok + failed == share then
    last = now_us()
    io.write("THREAD-DONE\\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local all_ok, all_failed, began, ended = 0, 0, math.huge, 0
  for _, thread in ipairs(threads) do
    all_ok = all_ok + thread:get("ok")
    all_failed = all_failed + thread:get("failed")
    if thread:get("first") > 0 then began = math.min(began, thread:get("first")) end
    ended = math.max(ended, thread:get("last"))
    local seen = thread:get("sample")
    if seen ~= "" then io.write("SAMPLE ", (string.gsub(seen, "%s+", " ")), "\\n") end
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %.0f %.0f %.0f %d\\n",
    all_ok, all_failed, math.max(ended - began, 0), latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout))
end
"""
)


class Load:
    """Sends `total` pre-signed commands from `clients` keep-alive connections."""

    def __init__(self, kind: str, chunk: int, workdir: Path):
        self.kind, self.chunk, self.workdir = kind, chunk, workdir

    def run(self, url: str, name: str, commands: list[Command], total: int, clients: int) -> Result:
        """In chunks of at most self.chunk requests, each signed afresh."""
        result = Result(name)
        latencies: list[tuple[float, ...]] = []
        for part in [self.chunk] * (total // self.chunk) + [total % self.chunk]:
            if part:
                one = self._run_chunk(url, name, commands, part, clients)
                result.ok, result.failed = result.ok + one.ok, result.failed + one.failed
                result.samples += one.samples
                result.seconds += one.seconds
                latencies.append(one.ms)
        if len(latencies) > 1:  # only for chunked runs: memory, where p50s are not used
            result.ms = tuple(max(m[i] for m in latencies) for i in range(4))
        elif latencies:
            result.ms = latencies[0]
        return result

    def _run_chunk(
        self, url: str, name: str, commands: list[Command], total: int, clients: int
    ) -> Result:
        if self.kind == "wrk":
            return self._wrk(url, name, commands, total, clients)
        return self._python(url, name, commands, total, clients)

    def _wrk(self, url: str, name: str, commands: list[Command], total: int, clients: int):
        port = int(url.rsplit(":", 1)[1])
        threads = min(clients, os.cpu_count() or 1)
        script = self.workdir / "load.lua"
        script.write_text(
            WRK_SCRIPT.substitute(
                pool=", ".join(lua_string(raw_request(c.body(), port)) for c in commands),
                markers=", ".join(lua_string(c.wire_marker()) for c in commands),
                shares=", ".join(map(str, shares(total, threads))),
            )
        )
        limit = max(60, total // 50)  # wrk's -d: far longer than the run should take
        wrk = subprocess.Popen(
            ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{limit}s"]
            + ["--timeout", "10s", "-s", str(script), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        timer = threading.Timer(limit + 60, wrk.kill)
        timer.start()
        lines, stopped = [], 0
        try:
            for line in wrk.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("THREAD-DONE"):
                    stopped += 1
                    if stopped == threads:
                        wrk.send_signal(signal.SIGINT)  # wakes wrk's main thread: report
            wrk.wait()
        finally:
            timer.cancel()
        found = [line.split()[1:] for line in lines if line.startswith("RESULT ")]
        if not found:
            raise SystemExit("wrk failed:\n" + "\n".join(lines))
        ok, failed, duration, p50, p90, p99, top, socket_errors = map(float, found[0])
        result = Result(name, ok=int(ok), failed=int(failed + socket_errors))
        result.samples = [line[7:] for line in lines if line.startswith("SAMPLE ")]
        if socket_errors:
            result.samples.append(f"{int(socket_errors)} socket errors or timeouts (wrk)")
        result.ms = (p50 / 1000, p90 / 1000, p99 / 1000, top / 1000)
        result.seconds = duration / 1e6
        return result

    def _python(self, url: str, name: str, commands: list[Command], total: int, clients: int):
        port = int(url.rsplit(":", 1)[1])
        pool = [(raw_request(c.body(), port), c.wire_marker()) for c in commands]
        markers = [marker for _, marker in pool]
        partials = [Result(name) for _ in range(clients)]
        seconds: list[list[float]] = [[] for _ in range(clients)]
        start = threading.Barrier(clients + 1)

        def client(share: int, partial: Result, spent: list[float]) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.connect()
            start.wait()
            try:
                for i in range(share):
                    request, _ = pool[i % len(pool)]
                    started = time.perf_counter()
                    try:
                        connection.sock.sendall(request)
                        response = http.client.HTTPResponse(connection.sock)
                        response.begin()
                        answer = response.read()
                    except (OSError, http.client.HTTPException) as exc:
                        partial.failed += 1
                        partial.samples.append(f"{type(exc).__name__}: {exc}")
                        connection.close()
                        connection.connect()
                        continue
                    spent.append(time.perf_counter() - started)
                    if response.status == 200 and any(m in answer for m in markers):
                        partial.ok += 1
                    else:
                        spent.pop()
                        partial.failed += 1
                        partial.samples.append(f"{response.status} {answer[:200]!r}")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=client, args=(share, partial, spent))
            for share, partial, spent in zip(shares(total, clients), partials, seconds, strict=True)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        result = Result(name, seconds=time.perf_counter() - began)
        values = sorted(s for spent in seconds for s in spent)
        for partial in partials:
            result.ok, result.failed = result.ok + partial.ok, result.failed + partial.failed
            result.samples += partial.samples[:5]
        if values:
            result.ms = tuple(
                [percentile(values, p) * 1000 for p in (50, 90, 99)] + [values[-1] * 1000]
            )
        return result


# --- Servers ---------------------------------------------------------------------------


BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}


class Server:
    """A gunicorn server (the bot or the floor) in its own process group, timed from
    spawn to its first 200 from /healthz."""

    def __init__(self, argv: list[str], env: dict, log_path: Path):
        self.argv, self.log_path = argv, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = BASE_ENV | env | {"PORT": str(self.port)}
        self.process: subprocess.Popen | None = None
        self.startup = 0.0

    def start(self, timeout: float = 30) -> "Server":
        with self.log_path.open("a") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.argv} exited:\n{self.logs()}")
            if self._healthy():
                self.startup = time.perf_counter() - started
                return self
            time.sleep(0.01)
        self.stop()
        raise SystemExit(f"{self.argv} did not become healthy in {timeout} s:\n{self.logs()}")

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        """SIGTERM to gunicorn's master (it stops its workers), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def pids(self) -> list[int]:
        """gunicorn's master and its workers."""
        assert self.process is not None
        return [self.process.pid, *children(self.process.pid)]

    def logs(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


@dataclass(frozen=True)
class Memory:
    """One sample of the server (master and workers): VmRSS of each process (master
    first), which counts a page in every process that maps it; the PSS sum, which splits
    each page among all the processes on the machine that map it, so that libraries the
    floor or any other Python also maps are partly left out; and, where /proc shows page
    frame numbers (root), every physical page the server's processes map counted once:
    what the server holds in memory, shared libraries whole, nothing twice."""

    commands: int
    rss: tuple[float, ...]  # MB
    pss: float  # MB
    unique: float | None  # MB; None where page frame numbers are hidden

    @property
    def total(self) -> float:
        return sum(self.rss)

    @property
    def resident(self) -> float:
        """The figure the memory target is checked against: pages counted once."""
        return self.pss if self.unique is None else self.unique


def memory_of(commands: int, pids: list[int]) -> Memory:
    rss, pss = [], 0
    for pid in pids:
        with contextlib.suppress(OSError):
            rss.append(_kb(Path(f"/proc/{pid}/status"), "VmRSS:") / 1024)
            pss += _kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
    frames = physical_pages(pids)
    unique = None if frames is None else len(frames) * PAGE / 2**20
    return Memory(commands, tuple(rss), pss / 1024, unique)


PAGE = os.sysconf("SC_PAGE_SIZE")
_PRESENT, _FRAME = 1 << 63, (1 << 55) - 1  # /proc/PID/pagemap: bit 63, bits 0-54


def physical_pages(pids: list[int]) -> set[int] | None:
    """The page frames resident in any of these processes' mappings (Linux's
    Documentation/admin-guide/mm/pagemap.rst), or None where the kernel shows frame
    numbers as 0 (without CAP_SYS_ADMIN)."""
    frames: set[int] = set()
    present = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
                start, end = (int(x, 16) // PAGE for x in line.split(maxsplit=1)[0].split("-"))
                with contextlib.suppress(OSError):  # [vsyscall] cannot be read
                    pagemap.seek(start * 8)
                    entries = array("Q", pagemap.read((end - start) * 8))
                    resident = [e for e in entries if e & _PRESENT]
                    present += len(resident)
                    frames.update(e & _FRAME for e in resident)
    return None if present and frames <= {0} else frames


def _kb(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def running(server: Server, timeout: float = 30) -> Iterator[Server]:
    try:
        yield server.start(timeout)
    except BaseException:
        print(f"--- {server.log_path.name} ---\n{server.logs()}", file=sys.stderr)
        raise
    finally:
        server.stop()


# --- Databases -------------------------------------------------------------------------


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


# --- Seeding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a partnership is given besides its funds: payments into them (fund index,
    kind, pence, from whom), and the numbers of its lines, deadlines and events."""

    entries: tuple[tuple[int, str, int, str], ...]
    lines: range
    deadlines: range
    events: range


# The measured partnership, after the reference commands made lines 1-2, deadlines 1-2
# (a deadline and a window) and event 1.
MEASURED = Shape(
    (
        (0, "allocation", 600_000_00, "South East Employers"),
        (1, "contribution", 400_000_00, "Surrey County Council"),
        (1, "contribution", 400_000_00, "Runnymede Borough Council"),
    ),
    range(3, BIG_LINES + 1),
    range(3, BIG_DEADLINES + 1),
    range(2, BIG_EVENTS + 1),
)
TYPICAL = Shape(
    (
        (0, "allocation", 20_000_00, "South East Employers"),
        (1, "contribution", 10_000_00, "Oxfordshire County Council"),
        (1, "contribution", 10_000_00, "Cherwell District Council"),
    ),
    range(1, 21),
    range(1, 9),
    range(1, 3),
)
DESCRIPTIONS = ("Design workshop", "Venue hire", "Facilitation", "Catering", "Evaluation")
TITLES = ("LAA exemplar proposals", "Confirm grant use", "Quarterly return", "Board papers")


def reference_commands(now: datetime) -> list[Command]:
    """What an officer types to set up the measured partnership: the templates."""
    due = (now + timedelta(days=400)).astimezone(TZ)
    opens, closes = due + timedelta(days=30), due + timedelta(days=120)
    meeting = due + timedelta(days=60)
    steps = [
        ("/partnership", f"create {PARTNERSHIP}", f"created *{PARTNERSHIP}*"),
        ("/partnership", "role <@UM0001|member1> member", "is now a member"),
        ("/partnership", "role <@UM0002|member2> member", "is now a member"),
        ("/budget", 'fund "PtP credit" £6,000 from "South East Employers"', "now holds"),
        ("/budget", 'fund "Pooled fund"', "created the fund"),
        ("/budget", 'contribute "Pooled fund" £4,000 from "Oxfordshire County Council"', "now"),
        (
            "/budget",
            'plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator',
            "planned line *1*",
        ),
        ("/budget", 'plan "PtP credit" Venue hire £2,000', "planned line *2*"),
        ("/budget", "spend 1 £650", "recorded £650 spent"),
        ("/budget", "cancel 2", "cancelled line *2*"),
        ("/deadline", f'add "LAA exemplar proposals" 5pm {due:%-d %B %Y}', "deadline *1*"),
        (
            "/deadline",
            f'window "PtP credit applications" from {opens:%-d %B %Y} to {closes:%-d %B %Y}',
            "funding window *2*",
        ),
        ("/event", f"add Surrey LSP officers meeting on {meeting:%-d %B %Y} 2pm at Woking", "*1*"),
    ]
    return [Command(c, t, "", marker) for c, t, marker in steps]


def create_reference(url: str, now: datetime) -> None:
    for command in reference_commands(now):
        status, answer = post(url, command)
        got = answer.get("text", "") if isinstance(answer, dict) else answer
        if status != 200 or command.marker not in got:
            raise SystemExit(f"setup failed at {command.text!r}: HTTP {status} {got[:300]!r}")


@dataclass
class Templates:
    """The rows the reference commands wrote for the measured partnership, as dicts."""

    partnership: dict
    link: dict
    officer: dict
    member: dict
    funds: list[dict]
    entries: dict[str, dict]  # by kind
    day_line: dict  # planned in days @ a rate
    amount_line: dict  # planned as an amount
    audit: dict
    deadline: dict
    window: dict
    event: dict

    @classmethod
    def load(cls, engine) -> "Templates":
        with engine.connect() as connection:
            partnership = connection.execute(
                select(Partnership).where(
                    Partnership.team_id == TEAM, Partnership.name == PARTNERSHIP
                )
            ).one()
            pid = partnership.id

            def rows(model, *order) -> list[dict]:
                query = select(model).where(model.partnership_id == pid).order_by(*order)
                return [dict(row._mapping) for row in connection.execute(query)]

            funds = rows(Fund, Fund.id)
            entries = connection.execute(
                select(FundEntry).where(FundEntry.fund_id.in_([f["id"] for f in funds]))
            )
            members = rows(Membership, Membership.changed_at, Membership.user_id)
            lines = rows(BudgetLine, BudgetLine.number)
            deadlines = rows(Deadline, Deadline.number)
            return cls(
                partnership=dict(partnership._mapping),
                link=rows(ChannelLink, ChannelLink.channel_id)[0],
                officer=next(m for m in members if m["role"] == "officer"),
                member=next(m for m in members if m["role"] == "member"),
                funds=funds,
                entries={e.kind: dict(e._mapping) for e in entries},
                day_line=next(x for x in lines if x["days_hundredths"] is not None),
                amount_line=next(x for x in lines if x["days_hundredths"] is None),
                audit=rows(BudgetAudit, BudgetAudit.id)[0],
                deadline=next(d for d in deadlines if d["opens_at"] is None),
                window=next(d for d in deadlines if d["opens_at"] is not None),
                event=rows(Event, Event.number)[0],
            )


ID_TABLES = (Partnership, Fund, FundEntry, BudgetLine, BudgetAudit, Deadline, Event, Reminder)
INSERT_ORDER = (
    Partnership,
    ChannelLink,
    Membership,
    Fund,
    FundEntry,
    BudgetLine,
    BudgetAudit,
    Deadline,
    Event,
    Reminder,
)
BATCH = 5000  # rows per executemany


class Seeder:
    """Rows copied from the templates, with explicit ids, inserted in bulk."""

    def __init__(self, engine, templates: Templates, now: datetime):
        self.t, self.now = templates, now
        self.rows: dict[type, list[dict]] = defaultdict(list)
        self.inserted = 0
        with engine.connect() as connection:
            self.next_id = {
                model: (connection.execute(select(func.max(model.id))).scalar() or 0) + 1
                for model in ID_TABLES
            }

    def new(self, model: type, template: dict, **values) -> dict:
        row = template | values
        if model in ID_TABLES:
            row["id"] = self.next_id[model]
            self.next_id[model] += 1
        self.rows[model].append(row)
        return row

    def partnership(self, k: int) -> None:
        """One of the many: its own workspace, channel, officer, members and data."""
        t, team, officer, channel = self.t, f"TS{k % WORKSPACES:03d}", f"UO{k:05d}", f"CS{k:05d}"
        at = self.now - timedelta(days=300, minutes=k)
        name = f"Partnership {k:05d}"
        p = self.new(
            Partnership,
            t.partnership,
            team_id=team,
            name=name,
            name_key=name.lower(),
            created_by=officer,
            created_at=at,
        )
        link = dict(channel_id=channel, partnership_id=p["id"], linked_by=officer, linked_at=at)
        self.new(ChannelLink, t.link, team_id=team, **link)
        who = dict(partnership_id=p["id"], team_id=team, changed_by=officer, changed_at=at)
        self.new(Membership, t.officer, user_id=officer, **who)
        for n in (1, 2):
            self.new(Membership, t.member, user_id=f"UM{k:05d}{n}", **who)
        funds = []
        for fund in t.funds:
            owner = dict(team_id=team, partnership_id=p["id"], created_by=officer, created_at=at)
            funds.append(self.new(Fund, fund, **owner))
            self._audit(p, officer, at, f"created the fund {fund['name']}", None, None)
        self.content(p, funds, TYPICAL, officer, channel, at, paid={})

    def content(
        self,
        p: dict,
        funds: list[dict],
        shape: Shape,
        officer: str,
        channel: str,
        at: datetime,
        *,
        paid: dict[int, int],
    ) -> None:
        """Payments, lines, deadlines and events with their audit rows and reminders;
        `paid` is what each fund (by id) already holds."""
        t, team = self.t, p["team_id"]
        for i, (fund_index, kind, pence, source) in enumerate(shape.entries):
            fund, when = funds[fund_index], at + timedelta(minutes=i + 1)
            self.new(
                FundEntry,
                t.entries[kind],
                team_id=team,
                fund_id=fund["id"],
                amount_pence=pence,
                source=source,
                created_by=officer,
                created_at=when,
            )
            before = paid.get(fund["id"], 0)
            paid[fund["id"]] = before + pence
            what = f"an {kind}" if kind == "allocation" else f"a {kind}"
            self._audit(
                p,
                officer,
                when,
                f"{what} of {format_money(pence)} to {fund['name']} from {source}",
                format_money(before),
                format_money(before + pence),
            )
        for n in shape.lines:
            self._line(p, funds[n % 2], n, officer, at + timedelta(hours=1, minutes=n))
        for n in shape.deadlines:
            self._deadline(p, n, officer, channel, at + timedelta(hours=30, minutes=n))
        for n in shape.events:
            day = (self.now + timedelta(days=12 + 5 * n)).astimezone(TZ).date()
            event = self.new(
                Event,
                t.event,
                team_id=team,
                partnership_id=p["id"],
                number=n,
                title=f"Officers meeting {n}",
                channel_id=channel,
                starts_at=datetime.combine(day, clock_time(14), tzinfo=TZ).astimezone(UTC),
                created_by=officer,
                created_at=at + timedelta(hours=40, minutes=n),
            )
            self._reminders(Event, event)

    def _line(self, p: dict, fund: dict, n: int, officer: str, when: datetime) -> None:
        t = self.t
        if n % 3 == 0:  # like `… 2 days @ £650 stage 1 who Lead Facilitator`
            days = 50 * (1 + n % 6)
            template = t.day_line
            values = {
                "days_hundredths": days,
                "planned_pence": days * t.day_line["day_rate_pence"] // 100,
            }
        else:  # like `… Venue hire £2,000`
            template, values = t.amount_line, {"planned_pence": 100_00 + (n % 40) * 25_00}
        description = f"{DESCRIPTIONS[n % len(DESCRIPTIONS)]} {n}"
        line = self.new(
            BudgetLine,
            template,
            team_id=p["team_id"],
            partnership_id=p["id"],
            number=n,
            fund_id=fund["id"],
            description=description,
            spent_pence=0,
            cancelled_at=None,
            cancelled_by=None,
            created_by=officer,
            created_at=when,
            **values,
        )
        planned_money = format_money(line["planned_pence"])
        action = f"planned line {n} on {fund['name']}: {description}"
        self._audit(p, officer, when, action, None, planned_money)
        later = when + timedelta(days=1)
        if n % 10 == 0:  # `/budget spend n …`: half of it
            line["spent_pence"] = line["planned_pence"] // 2
            action = f"recorded spend on line {n} ({fund['name']})"
            self._audit(
                p, officer, later, action, format_money(0), format_money(line["spent_pence"])
            )
        elif n % 50 == 7:  # `/budget cancel n`
            line["cancelled_at"], line["cancelled_by"] = later, officer
            action = f"cancelled line {n} ({fund['name']}): {description}"
            self._audit(p, officer, later, action, f"{planned_money} planned", "cancelled")

    def _deadline(self, p: dict, n: int, officer: str, channel: str, when: datetime) -> None:
        day = (self.now + timedelta(days=20 + n)).astimezone(TZ).date()
        values = dict(
            team_id=p["team_id"],
            partnership_id=p["id"],
            number=n,
            title=f"{TITLES[n % len(TITLES)]} {n}",
            channel_id=channel,
            due_at=datetime.combine(day, clock_time(17), tzinfo=TZ).astimezone(UTC),
            created_by=officer,
            created_at=when,
        )
        if n % 10 == 5:  # a funding window, opening 15 days before it closes
            opens = datetime.combine(day - timedelta(days=15), clock_time(9), tzinfo=TZ)
            row = self.new(Deadline, self.t.window, opens_at=opens.astimezone(UTC), **values)
        else:
            row = self.new(Deadline, self.t.deadline, **values)
        if n % 20 == 3:  # `/deadline done n`: its reminders are gone
            row["done_at"], row["done_by"] = when + timedelta(days=1), officer
        self._reminders(Deadline, row)

    def _reminders(self, model: type, row: dict) -> None:
        """The outbox rows replan() writes for it, by the bot's own plan."""
        for reminder in planned(model(**row), TZ, self.now):
            values = {c.name: getattr(reminder, c.name) for c in Reminder.__table__.columns}
            values |= {"state": ReminderState.PENDING, "attempts": 0, "unsure": False}
            self.new(Reminder, values | {"late": False})

    def _audit(self, p: dict, officer: str, at: datetime, action: str, old, new) -> None:
        self.new(
            BudgetAudit,
            self.t.audit,
            team_id=p["team_id"],
            partnership_id=p["id"],
            at=at,
            user_id=officer,
            action=action[:300],
            old_value=old,
            new_value=new,
        )

    def flush(self, connection) -> None:
        for model in INSERT_ORDER:
            rows = self.rows.pop(model, [])
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(model), rows[start : start + BATCH])
            self.inserted += len(rows)


def fix_sequences(connection) -> None:
    """After explicit ids, PostgreSQL's sequences must move on past them."""
    if connection.dialect.name != "postgresql":
        return
    for model in ID_TABLES:
        table = model.__tablename__
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"))'
            )
        )


def seed(engine, now: datetime, first: int, last: int, *, measured: bool) -> tuple[int, float]:
    """Partnerships first … last-1 (and the measured one's own rows, if `measured`) in
    one transaction; (rows inserted, seconds)."""
    started = time.perf_counter()
    templates = Templates.load(engine)
    seeder = Seeder(engine, templates, now)
    with engine.begin() as connection:
        if measured:
            fund_ids = [f["id"] for f in templates.funds]
            paid = dict(
                connection.execute(
                    select(FundEntry.fund_id, func.sum(FundEntry.amount_pence))
                    .where(FundEntry.fund_id.in_(fund_ids))
                    .group_by(FundEntry.fund_id)
                ).all()
            )
            p, at = templates.partnership, now - timedelta(days=200)
            seeder.content(p, templates.funds, MEASURED, USER, CHANNEL, at, paid=paid)
        for k in range(first, last):
            seeder.partnership(k)
            if k % 500 == 0:
                seeder.flush(connection)
        seeder.flush(connection)
        fix_sequences(connection)
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))  # as autovacuum would, soon after
    return seeder.inserted, time.perf_counter() - started


# --- What the measured partnership must answer -----------------------------------------


@dataclass(frozen=True)
class Expected:
    budget: Command
    deadlines: Command
    lines: Command
    history: Command


def expected_answers(engine, now: datetime) -> Expected:
    """The answers, from the rows, computed here rather than by the bot's queries."""
    with engine.connect() as connection:
        pid = connection.execute(
            select(Partnership.id).where(
                Partnership.team_id == TEAM, Partnership.name == PARTNERSHIP
            )
        ).scalar_one()
        fund_ids = connection.execute(select(Fund.id).where(Fund.partnership_id == pid)).scalars()
        total = connection.execute(
            select(FundEntry.amount_pence).where(FundEntry.fund_id.in_(list(fund_ids)))
        ).scalars()
        total = sum(total)
        committed = spent = days = count = 0
        for line in connection.execute(select(BudgetLine).where(BudgetLine.partnership_id == pid)):
            count += 1
            spent += line.spent_pence
            if line.cancelled_at is None:
                committed += max(line.planned_pence - line.spent_pence, 0)
                days += line.days_hundredths or 0
        audits = connection.execute(
            select(func.count()).select_from(BudgetAudit).where(BudgetAudit.partnership_id == pid)
        ).scalar_one()
        coming = 0
        for deadline in connection.execute(select(Deadline).where(Deadline.partnership_id == pid)):
            due = deadline.due_at if deadline.due_at.tzinfo else deadline.due_at.replace(tzinfo=UTC)
            if deadline.removed_at is None and deadline.done_at is None and due >= now:
                coming += 1
    totals = (
        f"*All funds:* {format_money(total)} in, {format_money(committed)} committed, "
        f"{format_money(spent)} spent, {format_money(total - committed - spent)} remaining"
        f" · {format_days(days)} planned"
    )
    return Expected(
        budget=Command("/budget", "", f"Budget of {PARTNERSHIP}: {totals}", totals),
        deadlines=Command(
            "/deadline",
            "list",
            f"{coming} deadlines for {PARTNERSHIP}",
            f"{coming} deadlines for {PARTNERSHIP}",
        ),
        lines=Command("/budget", "lines", f"{count} lines on *{PARTNERSHIP}*", "lines on"),
        history=Command(
            "/budget", "history", f"{audits} budget changes in {PARTNERSHIP}", "budget changes"
        ),
    )


def check_answers(url: str, expected: Expected) -> None:
    for command in (expected.budget, expected.deadlines, expected.lines, expected.history):
        must_answer(url, command)


# --- Scenarios -------------------------------------------------------------------------


@dataclass
class Phase:
    """Measurements of one server in one state of the database."""

    label: str
    results: list[Result] = field(default_factory=list)

    def find(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name), None)


def measure(
    load: Load,
    server: Server,
    label: str,
    commands: list[tuple[str, Command]],
    args,
    floor: Server,
    pong: Command,
) -> Phase:
    """Warm-up, then the floor and each command at 1 client, then --rounds rounds at
    --concurrency clients: in each round the floor, then each command, one after the
    other. A scenario's figures at --concurrency clients are the medians of its rounds
    (max: the worst round), so neither one unlucky run nor a slow spell of the machine
    decides a p50, nor its ratio to the floor measured beside it."""
    for each in (server, floor):
        settle(each)
    phase = Phase(label)
    runs = [(floor, "floor: ack a constant", pong)] + [(server, n, c) for n, c in commands]
    for where, _, command in runs:
        warm = load.run(where.url, "warm-up", [command], args.warmup, args.concurrency)
        if warm.failed:
            phase.results.append(warm)
    for where, name, command in runs:
        title = f"{label}: {name}, 1 client"
        phase.results.append(timed(load, where, title, command, args.sequential_requests, 1))
    rounds: dict[str, list[Result]] = defaultdict(list)
    clients = args.concurrency
    for n in range(1, args.rounds + 1):
        for where, name, command in runs:
            title = f"{label}: {name}, {clients} clients"
            run = timed(load, where, f"{title}, round {n}", command, args.requests, clients)
            rounds[title].append(run)
            phase.results.append(run)
    phase.results += [combined(title, results) for title, results in rounds.items()]
    return phase


def timed(load: Load, server: Server, title: str, command: Command, count: int, clients: int):
    """One run, with the server's CPU and context switches and the connection split."""
    before = cpu_of(server.pids())
    spread: list[str] = []
    look = threading.Timer(SPLIT_AFTER, note_split, (server, spread))
    look.start()
    result = load.run(server.url, title, [command], count, clients)
    look.cancel()
    used = cpu_of(server.pids()) - before
    result.cpu_ms, result.switches = used.seconds * 1000 / count, used.switches / count
    result.split = spread[0] if spread else "?"
    progress(
        f"{title}: p50 {result.p50:.2f} ms, {result.rate:.0f} req/s, "
        f"{result.cpu_ms:.3f} ms CPU and {result.switches:.1f} context switches a "
        f"request, connections by worker {result.split}, {result.failed} failed"
    )
    return result


def combined(name: str, rounds: list[Result]) -> Result:
    """A scenario over its rounds: each percentile the median of the rounds' (a round's
    p99 is its 50 slowest requests of 5,000, and one 7+1 split of the connections
    decides it), the worst max, over the rounds that answered at all; requests per
    second, CPU and context switches over all of them; each round's split."""
    sent = [r.ok + r.failed for r in rounds]
    answered = [r.ms for r in rounds if r.ok] or [(0.0, 0.0, 0.0, 0.0)]
    result = Result(name, ok=sum(r.ok for r in rounds), failed=sum(r.failed for r in rounds))
    result.seconds = sum(r.seconds for r in rounds)
    result.ms = (
        statistics.median(ms[0] for ms in answered),
        statistics.median(ms[1] for ms in answered),
        statistics.median(ms[2] for ms in answered),
        max(ms[3] for ms in answered),
    )
    result.cpu_ms = sum(r.cpu_ms * n for r, n in zip(rounds, sent, strict=True)) / sum(sent)
    result.switches = sum(r.switches * n for r, n in zip(rounds, sent, strict=True)) / sum(sent)
    result.split = ",".join(r.split for r in rounds)
    return result


SPLIT_AFTER = 0.3  # seconds into a run: wrk has connected, and the shortest run lasts longer


def note_split(server: Server, into: list[str]) -> None:
    into.append(connection_split(server))


def connection_split(server: Server) -> str:
    """How the client's open connections are spread over the workers, e.g. "5+3": with
    SO_REUSEPORT the kernel picks a worker by hashing each connection's addresses."""
    suffix = f":{server.port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[1].endswith(suffix) and fields[3] == "01":  # local port, ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for worker in children(server.process.pid) if server.process else []:
        with contextlib.suppress(OSError):
            fds = Path(f"/proc/{worker}/fd").iterdir()
            counts.append(sum(1 for fd in fds if _link(fd) in inodes))
    return "+".join(str(n) for n in sorted(counts, reverse=True))


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def settle(server: Server, quiet: float = 0.05, every: float = 0.25, limit: float = 60) -> None:
    """Wait until the server has finished starting: /healthz answers as soon as one
    worker is up, while the others may still be importing and building their app."""
    deadline = time.monotonic() + limit
    before = cpu_of(server.pids())
    while time.monotonic() < deadline:
        time.sleep(every)
        now = cpu_of(server.pids())
        if (now - before).seconds < quiet * every:
            return
        before = now
    progress(f"the server was still busy after {limit:g} s; measuring anyway")


@dataclass(frozen=True)
class Cpu:
    seconds: float  # user + system
    switches: int  # voluntary and involuntary, every thread

    def __sub__(self, other: "Cpu") -> "Cpu":
        return Cpu(self.seconds - other.seconds, self.switches - other.switches)


def cpu_of(pids: list[int]) -> Cpu:
    """What the processes have used so far (from /proc; threads that ended are in their
    process's figures, only not in its context switches)."""
    ticks, switches = 0, 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in Path(f"/proc/{pid}/task").iterdir():
                status = (task / "status").read_text()
                switches += sum(
                    int(line.split()[1]) for line in status.splitlines() if "ctxt_switches:" in line
                )
    return Cpu(ticks / os.sysconf("SC_CLK_TCK"), switches)


def memory_run(load: Load, bot: Server, commands: list[Command], total: int, clients: int):
    """Memory (pages once, PSS, and RSS by process) after warm-up and after every MEMORY_SAMPLE
    commands; and the load figures."""
    samples = [memory_of(0, bot.pids())]
    result = Result(f"memory run, {clients} clients, mixed")
    done = 0
    while done < total:
        step = min(MEMORY_SAMPLE, total - done)
        part = load.run(bot.url, result.name, commands, step, clients)
        done += step
        result.ok, result.failed = result.ok + part.ok, result.failed + part.failed
        result.samples += part.samples
        result.seconds += part.seconds
        result.ms = tuple(max(a, b) for a, b in zip(result.ms, part.ms, strict=True))
        samples.append(memory_of(done, bot.pids()))
        sample = samples[-1]
        progress(
            f"memory: {done} commands, {_unique(sample)}, PSS {sample.pss:.1f} MB, "
            f"RSS sum {sample.total:.1f} MB, {part.rate:.0f} req/s"
        )
    return samples, result


# --- Profiling -------------------------------------------------------------------------


def profile(
    load: Load, bot: Server, command: Command, clients: int, count: int, out: Path
) -> list[str]:
    """py-spy on every worker while `count` commands run, twice: sampling the threads
    py-spy finds active (its default; this includes time inside the database driver,
    SQLite's work or waiting on PostgreSQL's answer), then only the thread holding the
    GIL, which is what limits one worker's throughput."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return [f"py-spy not found; `{sys.executable} -m pip install py-spy`"]
    lines = []
    for mode, extra in (("active threads", []), ("holding the GIL", ["--gil"])):
        recorders = []
        for pid in children(bot.pids()[0]):
            name = f"{command.command[1:]}-{command.text or 'show'}-{pid}-{extra and 'gil'}"
            path = out / f"{name.replace(' ', '-')}.txt"
            argv = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "100"]
            recorder = subprocess.Popen(
                [*argv, "--nonblocking", *extra, "--output", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            recorders.append((path, recorder))
        time.sleep(1.0)  # py-spy attaches
        load.run(bot.url, "profiled", [command], count, clients)
        for _, recorder in recorders:
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=30)
        lines.append(f"-- {mode}:")
        lines += summarise_profile([path for path, _ in recorders])
    return lines


# Where a sample's time goes: to the first of these met walking its stack from the
# innermost frame out, so each sample counts once and the shares add up to 100%.
# py-spy names a frame `Class.function (package/file.py:line)`.
CATEGORIES = (
    ("logging", ("(logging/",)),
    ("JSON encode/decode", ("(json/",)),
    ("prometheus_client metrics", ("(prometheus_client/",)),
    ("DB round trips (SQLAlchemy engine, pool, driver)", ("(sqlalchemy/engine/", "(psycopg")),
    ("SQLAlchemy pool (connections in and out)", ("(sqlalchemy/pool/",)),
    ("SQLAlchemy ORM, SQL building and compiling", ("(sqlalchemy/", "(sqlmodel/")),
    ("partnerbot code (commands, storage, bot)", ("(commands/", "(storage/", "(bot/")),
    ("Bolt and slack_sdk", ("(slack_bolt/", "(slack_sdk/")),
    ("gunicorn, sockets and the rest", ("",)),
)
# Whole calls, inclusive of what they call: any frame containing one of the strings.
CALLS = (
    ("the command: commands.dispatch.dispatch", ("dispatch (commands/dispatch.py",)),
    ("  Session() creation", ("Session.__init__ (sqlalchemy/orm/session.py",)),
    (
        "  Session commit/rollback/close",
        ("Session.commit (", "Session.rollback (", "Session.close ("),
    ),
    ("  connection from the pool (checkout/checkin)", ("(sqlalchemy/pool/",)),
    ("  new DB connections (connect + PRAGMAs)", ("DefaultDialect.connect (", "_sqlite_pragmas (")),
    ("  SQL execution (execute, fetch)", ("Connection._execute_context (",)),
    ("  /budget: view.budget_blocks", ("budget_blocks (commands/budget/view.py",)),
    ("  /deadline list: rendering lines (_line)", ("_line (commands/deadline.py",)),
    ("Bolt signature check", ("(slack_sdk/signature/",)),
    ("Bolt authorization middleware", ("(slack_bolt/middleware/authorization/",)),
    ("Bolt request parsing (BoltRequest)", ("BoltRequest.__init__ (",)),
    ("logging (any)", ("(logging/",)),
    ("metrics (prometheus_client)", ("(prometheus_client/",)),
    ("JSON (any)", ("(json/",)),
    ("gunicorn writing the response", ("write (gunicorn/util.py",)),
)


def _frames(stack: str) -> list[str]:
    return [f for f in stack.split(";") if " (" in f]


def summarise_profile(paths: list[Path]) -> list[str]:
    """Samples of request handling (py-spy leaves out idle threads), by cost
    (exclusive) and by call (inclusive), and the frames with the most self time."""
    busy: Counter[str] = Counter()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if count.isdigit() and "handle_request (gunicorn" in stack:
                busy[stack] += int(count)
    total = sum(busy.values())
    if not total:
        return ["no samples of request handling"]
    lines = [f"{total} samples in request handling (all workers), by cost:"]
    shares: Counter[str] = Counter()
    for stack, count in busy.items():
        categories = (_category(frame) for frame in reversed(_frames(stack)))
        shares[next((c for c in categories if c), CATEGORIES[-1][0])] += count
    lines += [f"{c / total:6.1%}  {name}" for name, c in shares.most_common()]
    lines.append("by call, inclusive:")
    for label, needles in CALLS:
        hits = sum(c for s, c in busy.items() if any(n in s for n in needles))
        lines.append(f"{hits / total:6.1%}  {label}")
    own: Counter[str] = Counter()
    for stack, count in busy.items():
        own[_frames(stack)[-1]] += count
    lines.append("top self time:")
    lines += [f"{c / total:6.1%}  {frame[:100]}" for frame, c in own.most_common(12)]
    return lines


def _category(frame: str) -> str | None:
    for name, needles in CATEGORIES[:-1]:
        if any(n in frame for n in needles):
            return name
    return None


# --- Main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report(args)
    with (
        tempfile.TemporaryDirectory(prefix="partnerbot-speed-") as tmp,
        FakeSlack() as fake,
    ):
        workdir = Path(tmp)
        load = Load(args.client, args.chunk, workdir)
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "LOG_LEVEL": args.log_level,
        }
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)

        def bot_server(url: str, log: str) -> Server:
            return Server([PARTNERBOT, "run"], env | {"DATABASE_URL": url}, workdir / log)

        if not args.skip_startup:
            for i in range(args.startups):
                with database(args.database, workdir, args.pg_url) as url:
                    for state in ("fresh", "migrated, empty"):
                        with running(bot_server(url, f"startup-{i}.log")) as bot:
                            report.startup(state, bot.startup)
            progress(f"start-up: {dict(report.startups)}")

        floor = Server(
            [sys.executable, str(REPO / "bench" / "bare_bolt.py")], env, workdir / "floor.log"
        )
        pong = Command("/bench", "", FLOOR_ANSWER, FLOOR_ANSWER)
        with running(floor), database(args.database, workdir, args.pg_url) as url:
            must_answer(floor.url, pong)
            engine = make_engine(url)
            now = datetime.now(UTC)
            with running(bot_server(url, "bot-setup.log")) as bot:
                create_reference(bot.url, now)
            rows, seconds = seed(engine, now, 1, SMALL_PARTNERSHIPS, measured=True)
            report.seeded(SMALL_PARTNERSHIPS, rows, seconds, row_counts(engine))
            progress(f"seeded {rows} rows in {seconds:.1f} s")
            expected = expected_answers(engine, now)
            commands = [("/budget", expected.budget), ("/deadline list", expected.deadlines)]

            before = row_counts(engine)["reminder"]
            with running(bot_server(url, "bot-small.log")) as bot:
                report.startup(f"migrated, {SMALL_PARTNERSHIPS} partnerships", bot.startup)
                report.replanned[SMALL_PARTNERSHIPS] = row_counts(engine)["reminder"] - before
                check_answers(bot.url, expected)
                calls = len(fake.calls)
                small = f"{SMALL_PARTNERSHIPS} partnerships"
                report.phases.append(measure(load, bot, small, commands, args, floor, pong))
                if args.profile:
                    out = Path(args.profile)
                    out.mkdir(parents=True, exist_ok=True)
                    for name, command in commands:
                        report.profiles[name] = profile(
                            load, bot, command, args.concurrency, args.requests, out
                        )
                if not args.skip_memory:
                    mixed = [expected.budget, expected.deadlines]
                    report.memory = memory_run(
                        load, bot, mixed, args.memory_requests, args.concurrency
                    )
                report.slack_calls = len(fake.calls) - calls
                for _ in range(1, args.startups):  # more restarts of a migrated database
                    bot.stop()
                    bot.start()
                    report.startup(f"migrated, {SMALL_PARTNERSHIPS} partnerships", bot.startup)

            if not args.skip_scale:
                rows, seconds = seed(
                    engine, now, SMALL_PARTNERSHIPS, args.partnerships, measured=False
                )
                report.seeded(args.partnerships, rows, seconds, row_counts(engine))
                progress(f"seeded {rows} more rows in {seconds:.1f} s")
                before = row_counts(engine)["reminder"]
                with running(bot_server(url, "bot-large.log"), timeout=600) as bot:
                    report.startup(f"migrated, {args.partnerships:,} partnerships", bot.startup)
                    report.replanned[args.partnerships] = row_counts(engine)["reminder"] - before
                    check_answers(bot.url, expected)
                    large = f"{args.partnerships:,} partnerships"
                    report.phases.append(measure(load, bot, large, commands, args, floor, pong))
            engine.dispose()
    return report.print()


class Report:
    def __init__(self, args):
        self.args = args
        self.startups: dict[str, list[float]] = defaultdict(list)
        self.phases: list[Phase] = []
        self.seeds: list[str] = []
        self.replanned: dict[int, int] = {}
        self.memory: tuple[list[Memory], Result] | None = None
        self.profiles: dict[str, list[str]] = {}
        self.slack_calls = 0

    def startup(self, state: str, seconds: float) -> None:
        self.startups[state].append(seconds)

    def seeded(self, partnerships: int, rows: int, seconds: float, counts: dict) -> None:
        total = sum(counts.values())
        detail = ", ".join(f"{name} {n:,}" for name, n in counts.items() if n)
        self.seeds.append(
            f"{partnerships:,} partnerships: {total:,} rows ({rows:,} bulk-inserted in "
            f"{seconds:.1f} s): {detail}"
        )

    def print(self) -> int:
        args = self.args
        cpus = len(os.sched_getaffinity(0))
        workers = args.workers or f"{cpus} (WEB_CONCURRENCY unset: one per CPU)"
        print(
            f"partnerbot command speed: database={args.database}, client={args.client}, "
            f"workers={workers}, LOG_LEVEL={args.log_level}, cpu_count={os.cpu_count()}, "
            f"python={sys.version.split()[0]}"
        )
        print(
            "Loopback, client and server sharing the CPUs; latency in ms from request "
            "written to response read, signing excluded; nearest-rank percentiles."
        )
        for line in self.seeds:
            print(f"Seeded {line}")
        for count, added in self.replanned.items():
            print(f"Reminder rows the bot planned at start with {count:,} partnerships: {added}")
        print(f"Slack Web API calls while measuring: {self.slack_calls}")
        print()
        results = [r for phase in self.phases for r in phase.results]
        shown = results + ([self.memory[1]] if self.memory else [])
        width = max((len(r.name) for r in shown), default=8)
        print_header(width)
        for result in shown:
            print_result(result, width)
        print()
        self.print_targets()
        for name, lines in self.profiles.items():
            print(f"\nProfile of {name} at {args.concurrency} clients (py-spy):")
            for line in lines:
                print(f"  {line}")
        print_failures(shown)
        failed = any(r.failed for r in results) or (self.memory and self.memory[1].failed)
        return 1 if failed else 0

    def print_targets(self) -> None:
        args, t = self.args, TARGETS
        print(
            f"Targets (at {args.concurrency} clients: percentiles the median of "
            f"{args.rounds} rounds, req/s over all of them):"
        )
        for phase in self.phases:
            floor = phase.find(f"{phase.label}: floor: ack a constant, {args.concurrency} clients")
            for name in ("/budget", "/deadline list"):
                r = phase.find(f"{phase.label}: {name}, {args.concurrency} clients")
                if r is None or not r.ok:
                    continue
                ratio = r.p50 / floor.p50 if floor and floor.p50 else float("nan")
                print(
                    f"  {phase.label}, {name}: p50 {r.p50:.2f} ms ({_mark(r.p50 <= t['p50_ms'])} "
                    f"<= {t['p50_ms']:g}), p99 {r.ms[2]:.2f} ms ({_mark(r.ms[2] <= t['p99_ms'])} "
                    f"<= {t['p99_ms']:g}), {ratio:.2f}x floor ({_mark(ratio <= t['floor_ratio'])} "
                    f"<= {t['floor_ratio']:g}), {r.rate:.0f} req/s ({_mark(r.rate >= t['rate'])} "
                    f">= {t['rate']:g})"
                )
        if len(self.phases) == 2:
            small, large = self.phases
            for name in ("/budget", "/deadline list"):
                for clients in (1, args.concurrency):
                    suffix = f"{name}, {clients} client{'s' if clients > 1 else ''}"
                    a = small.find(f"{small.label}: {suffix}")
                    b = large.find(f"{large.label}: {suffix}")
                    if a and b and a.p50:
                        ratio = b.p50 / a.p50
                        print(
                            f"  scale, {suffix}: p50 {a.p50:.2f} -> {b.p50:.2f} ms, "
                            f"{ratio:.2f}x ({_mark(ratio <= t['scale_ratio'])} <= "
                            f"{t['scale_ratio']:g})"
                        )
        for state, values in self.startups.items():
            shown = ", ".join(f"{v:.2f}" for v in values)
            ok = _mark(max(values) <= t["startup_s"])
            print(f"  start-up, {state}: {shown} s ({ok} <= {t['startup_s']:g})")
        if self.memory:
            samples, _ = self.memory
            shown = " ".join(f"{m.resident:.1f}" for m in samples)
            peak = max(m.resident for m in samples)
            growth = samples[-1].resident - samples[min(1, len(samples) - 1)].resident
            reading = "PSS" if samples[0].unique is None else "each physical page once"
            print(
                f"  resident memory (MB, master + workers, {reading}) after 0, "
                f"{MEMORY_SAMPLE:,}, … {samples[-1].commands:,} commands: {shown}; peak "
                f"{peak:.1f} ({_mark(peak <= t['memory_mb'])} <= {t['memory_mb']:g}), "
                f"{growth:+.1f} MB after the first {MEMORY_SAMPLE:,}"
            )
            first, last = samples[0], samples[-1]
            print(
                f"    PSS, last sample: {last.pss:.1f} MB (after warm-up {first.pss:.1f}); it "
                "splits the libraries' pages with every other process that maps them"
            )
            print(
                "    RSS by process (master first), last sample: "
                + " + ".join(f"{mb:.1f}" for mb in last.rss)
                + f" = {last.total:.1f} MB (after warm-up {first.total:.1f}); the sum counts "
                "each page the workers share with the master once per process"
            )


def _unique(sample: Memory) -> str:
    if sample.unique is None:
        return "pages once: not shown (page frame numbers need root)"
    return f"{sample.unique:.1f} MB counting each physical page once"


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="an existing PostgreSQL database to CREATE/DROP the bench databases from",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument(
        "--requests", type=int, default=5000, help="requests per command at --concurrency (5000)"
    )
    parser.add_argument(
        "--sequential-requests", type=int, default=1000, help="requests per command at 1 client"
    )
    parser.add_argument("--warmup", type=int, default=500, help="warm-up requests per command")
    parser.add_argument(
        "--partnerships", type=int, default=10_000, help="partnerships for the scale run (10000)"
    )
    parser.add_argument(
        "--memory-requests", type=int, default=100_000, help="commands in the memory run"
    )
    parser.add_argument("--startups", type=int, default=3, help="start-ups timed per state (3)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the floor and commands at 8 clients (3)"
    )
    parser.add_argument(
        "--chunk", type=int, default=20_000, help="requests per signed chunk (20000)"
    )
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator (wrk when installed)",
    )
    parser.add_argument(
        "--workers", type=int, help="WEB_CONCURRENCY (default: unset, so one per CPU)"
    )
    parser.add_argument("--log-level", default="INFO", help="the bot's LOG_LEVEL (INFO)")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--profile", metavar="DIR", help="also record the workers with py-spy into DIR"
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.sequential_requests, args.chunk, args.rounds) < 1:
        parser.error(
            "--requests, --concurrency, --sequential-requests, --chunk and --rounds must be >= 1"
        )
    if args.partnerships <= SMALL_PARTNERSHIPS:
        parser.error(f"--partnerships must be more than {SMALL_PARTNERSHIPS}")
    return args


if __name__ == "__main__":
    sys.exit(main())
