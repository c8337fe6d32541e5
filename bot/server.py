"""HTTP mode's server: gunicorn, with uvicorn workers serving bot.web's ASGI app.

Bolt's App.start() server is for development only. gunicorn supervises the worker
processes (WEB_CONCURRENCY of them) and restarts one that dies; each uvicorn worker
reads requests on an event loop, so a client that sends its request slowly holds a
coroutine, not one of the threads that run commands (bot.web). One worker at a time
also runs what must run once per server, the reminder dispatcher (OneWorker).
"""

import errno
import fcntl
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from bot.config import ConfigError

log = logging.getLogger(__name__)

ASGIApp = Callable[..., Any]
Start = Callable[[], Callable[[], None]]  # starts something, returns what stops it
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name for it


class Worker(UvicornWorker):
    # Our own log line per command says more than an access log, and never has bodies.
    # No lifespan events: the app is built before the worker serves.
    CONFIG_KWARGS = {"loop": "asyncio", "http": "h11", "lifespan": "off", "access_log": False}

    _serving = False

    def init_signals(self) -> None:
        super().init_signals()
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def run(self) -> None:
        self._serving = True  # from here uvicorn handles SIGTERM: a graceful shutdown
        super().run()

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        # While the app is still being built, stop at once. Once uvicorn has shut down
        # gracefully it raises the SIGTERM again: with the default action that would
        # kill the worker before the work after the ack (on Bolt's threads) is done,
        # so then the worker exits as usual, after that work.
        if not self._serving:
            sys.exit(0)


def listen(port: int) -> socket.socket:
    """The server's socket, bound before start-up's checks, so a second server on the
    same port fails at once with one line; Slack's requests that arrive during the
    checks wait in its backlog."""
    try:
        return socket.create_server(("0.0.0.0", port), backlog=2048)
    except OSError as exc:
        problem = "is in use; stop what listens there first"
        if exc.errno != errno.EADDRINUSE:
            problem = f"cannot be listened on ({exc.strerror})"
        raise ConfigError("PORT", f"{port} {problem}") from None


def make_run_directory() -> Path:
    """This run's own directory (removed when serve() returns): the lock that picks the
    worker running `in_one_worker`, and the metrics files unless the operator chose
    PROMETHEUS_MULTIPROC_DIR. Workers count there and a scrape sums them all
    (prometheus_client's multiprocess mode, which it chooses when first imported: call
    this before that)."""
    run = Path(tempfile.mkdtemp(prefix="partnerbot-run-"))
    directory = os.environ.get(METRICS_DIRECTORY)
    if directory:
        for leftover in os.scandir(directory):  # an earlier run's counts, summed in forever
            if leftover.name.endswith(".db"):
                os.unlink(leftover.path)
    else:
        (run / "metrics").mkdir()
        os.environ[METRICS_DIRECTORY] = str(run / "metrics")
    return run


def serve(
    load_app: Callable[[], ASGIApp],
    *,
    listener: socket.socket,
    workers: int,
    run_directory: Path,
    in_one_worker: Start | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT; requests in flight and work after the ack finish
    first. `load_app` runs in each worker after the fork: engines are never shared.
    `in_one_worker`, if given, runs in one worker at a time (see OneWorker)."""
    from bot import metrics  # after make_run_directory()

    options: dict[str, Any] = {
        "bind": [f"fd://{listener.fileno()}"],
        "workers": workers,
        "worker_class": f"{__name__}.Worker",
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "loglevel": logging.getLevelName(logging.getLogger().level).lower(),
        "accesslog": None,
        # One path per host by default: two servers on one machine would share it.
        "control_socket_disable": True,
        "child_exit": lambda server, worker: metrics.worker_exited(worker.pid),
    }
    if in_one_worker is not None:
        one = OneWorker(run_directory / "one-worker.lock", in_one_worker)
        options["post_worker_init"] = lambda worker: one.claim()
        options["worker_exit"] = lambda server, worker: one.release()
    master = os.getpid()
    try:
        _Gunicorn(load_app, options).run()
    finally:
        if os.getpid() == master:  # a worker leaves through here too, when it exits
            shutil.rmtree(run_directory, ignore_errors=True)


class OneWorker:
    """Runs `start` in the one worker that holds an exclusive flock on `lock_path`.

    Each worker asks for the lock once booted (post_worker_init), without waiting. The
    kernel drops it when its holder exits, however it exits (kill -9 too), and it is
    not inherited by a program the worker starts (os.open's descriptors close on exec).
    A worker that was refused asks again every RETRY seconds, because the holder's
    replacement may not be the one that finds the lock free: gunicorn starts new
    workers before it stops old ones on SIGHUP, and a holder that hangs on its way out
    is killed only after its timeout. worker_exit stops what was started, so a round
    of reminders in flight finishes before the worker goes. (When the whole server
    stops, a worker still finishing its requests may win the lock its holder just
    left; its own worker_exit then stops that dispatcher after its first round.)
    """

    RETRY = 2.0  # seconds

    def __init__(self, lock_path: Path, start: Start):
        self._path, self._start = lock_path, start
        self._fd: int | None = None
        self._stop: Callable[[], None] | None = None
        self._leaving = threading.Event()
        self._lock = threading.Lock()  # a retry's start and worker_exit's stop, in turn

    def claim(self) -> None:
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        if not self._take():
            threading.Thread(target=self._retry, name="one-worker", daemon=True).start()

    def release(self) -> None:
        """Stop what was started (this process only: gunicorn's master calls this hook
        too, for a worker it found already gone)."""
        if self._fd is None:
            return
        self._leaving.set()
        with self._lock:
            if self._stop is not None:
                self._stop()
            if self._fd is not None:
                os.close(self._fd)  # the flock goes with it

    def _retry(self) -> None:
        while not self._leaving.wait(self.RETRY):
            if self._take():
                return

    def _take(self) -> bool:
        with self._lock:
            return not self._leaving.is_set() and self._take_lock() and self._started()

    def _take_lock(self) -> bool:
        assert self._fd is not None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _started(self) -> bool:
        assert self._fd is not None
        try:
            self._stop = self._start()
        except Exception:  # the database, say: let this or another worker try again later
            log.exception("could not start what runs in one worker; retrying")
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            return False
        return True


class _Gunicorn(BaseApplication):
    """gunicorn embedded, so `partnerbot run` is the whole command line."""

    def __init__(self, load_app: Callable[[], ASGIApp], options: dict):
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> ASGIApp:
        return self._load_app()
