"""The real bot under a mixed load of signed slash commands, against a bare Bolt floor.

Two servers run at once, each with --workers gunicorn workers: `partnerbot run` (HTTP
mode, against the test suite's fake Slack Web API), and the floor: a bare slack_bolt
App with one handler per command that acks a constant, behind the same
bot.server.serve() and bot.web.create_asgi_app() (this file run with --serve-floor).
Before they start, --partnerships partnerships are written through commands.dispatch
(the real command code), each in its own channel with its own officer, 25 budget lines,
25 deadlines and 5 events.

--clients threads, each with a keep-alive connection to 127.0.0.1, send signed
commands for --seconds a round: one in ten a `/budget plan` (so the lines grow during
the run), the rest `/budget`, `/budget lines`, `/deadline list`, `/partnership show`
and `/event list`, from a partnership's officer in its channel, chosen at random (the
same sequence to both servers in a round). Rounds alternate floor, bot, floor, bot...
(--rounds of each, after a warm-up round): this machine's timings are noisy, so the
figures compared are the medians of the rounds.

It prints a line per round (requests, failures, p50, p99, requests per second), the
medians, the bot's latency per command, each target of the issue as met or MISSED:

    p50 <= 3x the floor's, p99 <= 5x the floor's, throughput >= 40% of the floor's,
    memory <= 150 MB (PSS of the bot's master and workers after the load, from
    /proc/PID/smaps_rollup; a worker's first full garbage collection un-shares what it
    inherited, and may come only after 40 s of load: --rounds 10 reads the memory a
    long-running server holds), start-up <= 2 s (spawn to the first 200 from /healthz,
    the median of --starts starts),

the floor's own start-up and memory, and the warnings and errors in the bot's log.
Nothing is asserted; it is not a test. Run it by hand from the repository root (a run
takes about three minutes, a third of it seeding):

    .venv/bin/python bench/mixed_load.py
    .venv/bin/python bench/mixed_load.py --database postgresql
    .venv/bin/python bench/mixed_load.py --rounds 3 --seconds 5 --partnerships 10

PostgreSQL needs a server that accepts CREATE DATABASE from --pg-url (default: the test
suite's PARTNERBOT_TEST_PG_URL, or postgres@127.0.0.1:5432/test); a database named
partnerbot_bench_<random> is created for the run and dropped afterwards.
"""

import argparse
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # so `bot.…` and `tests.…` imports work when run as a script

from bench.support import Client, cpu_seconds, database, percentile, process_tree  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.processes import PARTNERBOT, free_port, http_request  # noqa: E402
from tests.slack_requests import BOT_TOKEN, SIGNING_SECRET, slash_command_body  # noqa: E402

TEAM = "T1"
LINES, DEADLINES, EVENTS = 25, 25, 5  # per partnership
PLAN = ("/budget", 'plan "Pooled fund" Bench line £10', "planned line")
READS = [  # (command, text, what the bot's answer says)
    ("/budget", "", "Budget of"),
    ("/budget", "lines", "lines on"),
    ("/deadline", "list", "deadlines for"),
    ("/partnership", "show", ": 1 channel"),
    ("/event", "list", "events for"),
]
FLOOR_ANSWER = "floor"
DEFAULT_PG_URL = os.environ.get(
    "PARTNERBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Settings of the shell this runs in that the servers must not see.
HIDDEN = ("SLACK_", "DATABASE_URL", "PORT", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR")


def serve_floor(workdir: str) -> None:
    """A bare Bolt app behind the bot's own server and ASGI app, until SIGTERM."""
    from bot.server import make_run_directory, serve

    workers = int(os.environ["WEB_CONCURRENCY"])
    listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])), backlog=2048)
    run_directory = make_run_directory()

    def load_app():
        from bot.web import create_asgi_app
        from storage.engine import make_engine

        app = App(
            signing_secret=SIGNING_SECRET,
            # Bolt asks auth.test on the first request, as for the bot: of the fake Slack.
            client=WebClient(token=BOT_TOKEN, base_url=os.environ["SLACK_API_URL"]),
            token_verification_enabled=False,
            process_before_response=True,
            name="floor",
        )
        for command in {command for command, _, _ in [PLAN, *READS]}:
            app.command(command)(lambda ack: ack(FLOOR_ANSWER))
        engine = make_engine(f"sqlite:///{workdir}/floor.db")  # for /healthz
        return create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)

    serve(load_app, listener=listener, workers=workers, run_directory=run_directory)


def channel(n: int) -> str:
    return f"C{n:03d}"


def officer(n: int) -> str:
    """Each partnership's own: its Home tab, refreshed after a change, shows just that one."""
    return f"U{n:03d}"


def seed(database_url: str, partnerships: int) -> float:
    """Seconds taken to write every partnership through the real command code."""
    from commands.context import Context
    from commands.dispatch import dispatch
    from storage.engine import make_engine
    from storage.migrate import upgrade

    started, engine = time.perf_counter(), make_engine(database_url)
    upgrade(engine)
    today = datetime.now(UTC)
    for n in range(partnerships):
        ctx = Context(TEAM, officer(n), channel(n), today, ZoneInfo("Europe/London"))
        commands = [("/partnership", f"create P{n:02d}"), ("/budget", 'fund "Pooled fund" £1m')]
        commands += [("/budget", f'plan "Pooled fund" Line {i} £200') for i in range(LINES)]
        for i in range(DEADLINES):
            day = today + timedelta(days=30 + 7 * i + n % 7)
            commands.append(("/deadline", f'add "Return {i}" 5pm {day:%-d %B %Y}'))
        for i in range(EVENTS):
            day = today + timedelta(days=40 + 30 * i + n % 7)
            commands.append(("/event", f'add "Board {i}" {day:%-d %B %Y} 10am at Town Hall'))
        for command, text in commands:
            if not (reply := dispatch(engine, ctx, command, text)).ok:
                raise SystemExit(f"seeding failed at {command} {text}: {reply.text}")
    engine.dispose()
    return time.perf_counter() - started


class Server:
    """A server process: started, timed until healthy, measured, stopped."""

    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name, self.argv, self.log_path, self.port = name, argv, log_path, free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(HIDDEN)}
        self.env = base | env | {"PORT": str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> float:
        """Seconds from spawn to the first 200 from /healthz."""
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
            )
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if http_request("GET", f"{self.url}/healthz")[0] == 200:
                    return time.perf_counter() - started
            time.sleep(0.005)
        self.stop()
        raise SystemExit(f"{self.name} was not healthy in {timeout} s")

    def await_workers(self, timeout: float = 30) -> None:
        """Until every worker serves (uvicorn logs it at INFO): one still loading its app
        ignores SIGTERM (bot.server.Worker), so a stop waits for graceful_timeout."""
        deadline, workers = time.perf_counter() + timeout, int(self.env["WEB_CONCURRENCY"])
        while time.perf_counter() < deadline:
            log = self.log_path.read_bytes()[self.log_offset :]
            if log.count(b"Started server process") >= workers:
                return
            time.sleep(0.05)

    def pss(self) -> list[float]:
        """MB of PSS of the master, then of each process below it."""
        found = []
        for pid in process_tree(self.process.pid):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    found.append(int(line.split()[1]) / 1024)
        return found

    def cpu(self) -> float:
        return cpu_seconds(process_tree(self.process.pid))

    def stop(self) -> None:
        """SIGTERM to the master (gunicorn stops its workers), SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Round:
    server: str
    latencies: dict[str, list[float]] = field(default_factory=dict)  # seconds by command
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0  # seconds of CPU the server's processes used in the round

    def ms(self, p: float, command: str | None = None) -> float:
        values = self.latencies.get(command, []) if command else self.all()
        return percentile(sorted(values), p) * 1000 if values else float("nan")

    def all(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]

    def rate(self) -> float:
        return (len(self.all()) + len(self.failures)) / self.wall

    def cpu_ms(self) -> float:
        """CPU per request: noisy wall-clock figures aside, what bounds throughput."""
        return self.cpu * 1000 / (len(self.all()) + len(self.failures))


def requests_for(seed_: str, partnerships: int):
    """An endless, reproducible mix: (label, body, what a right answer from the bot says)."""
    rng = random.Random(seed_)
    for i in range(sys.maxsize):
        command, text, expected = PLAN if i % 10 == 9 else rng.choice(READS)
        n = rng.randrange(partnerships)
        body = slash_command_body(command, text, team=TEAM, user=officer(n), channel=channel(n))
        yield f"{command} {text.split(' ')[0]}".strip(), body, expected


def run_round(server: Server, number: int, args) -> Round:
    """--clients threads, each with a keep-alive connection, for --seconds at most."""
    result, lock = Round(server.name), threading.Lock()
    start = threading.Barrier(args.clients + 1)

    def client(index: int) -> None:
        connection, mix = Client(server.url), requests_for(f"{number}/{index}", args.partnerships)
        start.wait()
        deadline = time.perf_counter() + args.seconds
        for _ in range(args.max_requests // args.clients):
            if time.perf_counter() > deadline:
                break
            label, body, expected = next(mix)
            try:
                status, answer, seconds = connection.post(body)
                right = FLOOR_ANSWER if server.name == "floor" else expected
                failure = None if status == 200 and right in answer else f"{status} {answer}"
            except (OSError, HTTPException) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            with lock:
                if failure:
                    result.failures.append(f"{label}: {failure[:200]}")
                else:
                    result.latencies.setdefault(label, []).append(seconds)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    start.wait()
    started, cpu = time.perf_counter(), server.cpu()
    for thread in threads:
        thread.join()
    result.wall, result.cpu = time.perf_counter() - started, server.cpu() - cpu
    return result


def medians(rounds: list[Round], server: str) -> list[float]:
    """p50 and p99 in ms and requests per second: each the median over the rounds."""
    mine = [r for r in rounds if r.server == server]
    figures = (lambda r: r.ms(50), lambda r: r.ms(99), Round.rate, Round.cpu_ms)
    return [statistics.median(f(r) for r in mine) for f in figures]


def report(rounds: list[Round], starts: list[float], memory: list[float]) -> None:
    print(f"{'round':>5}  {'server':<6} {'ok':>6} {'failed':>6} {'p50 ms':>8} {'p99 ms':>8} req/s")
    for i, r in enumerate(rounds):
        print(
            f"{i // 2 + 1:>5}  {r.server:<6} {len(r.all()):>6} {len(r.failures):>6} "
            f"{r.ms(50):>8.2f} {r.ms(99):>8.2f} {r.rate():>6.1f}"
        )
    figures = {server: medians(rounds, server) for server in ("floor", "bot")}
    (f50, f99, frate, fcpu), (b50, b99, brate, bcpu) = figures["floor"], figures["bot"]
    for server, (p50, p99, rate, cpu) in figures.items():
        head = "\nmedians:" if server == "floor" else " " * 8
        print(f"{head} {server:>5} p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rate:.1f} req/s, ", end="")
        print(f"{cpu:.2f} CPU ms/request")
    print(f"CPU per request: the bot {bcpu / fcpu:.2f}x the floor's (bounds throughput)")
    print("\nthe bot, all rounds together, per command:")
    bot = Round("bot")
    for label, values in (item for r in rounds[1::2] for item in r.latencies.items()):
        bot.latencies.setdefault(label, []).extend(values)
    for label, values in sorted(bot.latencies.items()):
        p50, p99 = bot.ms(50, label), bot.ms(99, label)
        print(f"  {label:<18} {len(values):>6} requests, p50 {p50:7.2f} ms, p99 {p99:7.2f} ms")
    start, total = statistics.median(starts), sum(memory)
    starts_, parts = ", ".join(f"{s:.2f}" for s in starts), " + ".join(f"{m:.1f}" for m in memory)
    print("\ntargets:")
    for met, figure in [
        (b50 <= 3 * f50, f"p50 {b50:.2f} ms = {b50 / f50:.2f}x the floor's (<= 3x)"),
        (b99 <= 5 * f99, f"p99 {b99:.2f} ms = {b99 / f99:.2f}x the floor's (<= 5x)"),
        (brate >= 0.4 * frate, f"throughput {brate / frate:.0%} of the floor's (>= 40%)"),
        (total <= 150, f"memory {total:.1f} MB PSS = {parts} (master first) (<= 150 MB)"),
        (start <= 2, f"start-up {start:.2f} s, the median of {starts_} (<= 2 s)"),
    ]:
        print(f"  {'met   ' if met else 'MISSED'} {figure}")
    for failure in [f for r in rounds for f in r.failures][:10]:
        print(f"  failed: {failure}")


def print_log_problems(log_path: Path) -> None:
    lines = log_path.read_text().splitlines()
    bad = [line for line in lines if any(w in line for w in ("WARNING", "ERROR", "Traceback"))]
    print(f"\nthe bot's log: {len(lines)} lines, {len(bad)} of them warnings or errors")
    for line in bad[:10]:
        print(f"  {line[:300]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0
    with (
        tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp,
        FakeSlack() as fake,
        database(args.database, Path(tmp), args.pg_url) as database_url,
    ):
        print(
            f"partnerbot mixed load: database={args.database}, workers={args.workers}, "
            f"clients={args.clients}, cpus={os.cpu_count()}, python={sys.version.split()[0]}"
        )
        seconds = seed(database_url, args.partnerships)
        print(
            f"seeded {args.partnerships} partnerships, each with {LINES} budget lines, "
            f"{DEADLINES} deadlines and {EVENTS} events, in {seconds:.1f} s\n"
        )
        slack = {"SLACK_API_URL": fake.url, "WEB_CONCURRENCY": str(args.workers)}
        floor_argv = [sys.executable, __file__, "--serve-floor", tmp]
        floor = Server("floor", floor_argv, slack, Path(tmp) / "floor.log")
        settings = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
        settings |= slack | {"DATABASE_URL": database_url}
        bot = Server("bot", [PARTNERBOT, "run"], settings, Path(tmp) / "bot.log")
        try:
            floor_start, starts = floor.start(), []
            for i in range(args.starts):
                starts.append(bot.start())
                if i < args.starts - 1:
                    bot.await_workers()
                    bot.stop()
            calls = len(fake.calls)
            rounds = [run_round(s, n, args) for n in range(args.rounds + 1) for s in (floor, bot)]
            memory, floor_memory = bot.pss(), sum(floor.pss())
        finally:
            bot.stop()
            floor.stop()
        report(rounds[2:], starts, memory)  # round 0 was the warm-up
        print(f"\nthe floor: start-up {floor_start:.2f} s, {floor_memory:.1f} MB PSS")
        print(f"the bot's Slack Web API calls during the load: {len(fake.calls) - calls}")
        print_log_problems(bot.log_path)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="where to CREATE/DROP from")
    parser.add_argument("--partnerships", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, each (2)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds of each (5)")
    parser.add_argument("--seconds", type=float, default=8, help="length of a round (8)")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap per round")
    parser.add_argument("--starts", type=int, default=3, help="bot start-ups timed (3)")
    parser.add_argument("--serve-floor", metavar="WORKDIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.partnerships, args.clients, args.workers, args.rounds, args.starts) < 1:
        parser.error("counts must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(main())
