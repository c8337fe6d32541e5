"""HTTP mode's server: gunicorn, with uvicorn workers serving bot.web's ASGI app.

Bolt's App.start() server is for development only. gunicorn supervises the worker
processes (WEB_CONCURRENCY of them) and restarts one that dies; each uvicorn worker
reads requests on an event loop, so a client that sends its request slowly holds a
coroutine, not one of the threads that run commands (bot.web). Beside them, the master
keeps one reminder process (bot.reminder_process).
"""

import errno
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from uvicorn_worker import UvicornWorker

from bot.config import ConfigError
from bot.reminder_process import ReminderProcess

log = logging.getLogger(__name__)

ASGIApp = Callable[..., Any]
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


def share_metrics() -> None:
    """The workers and the reminder process each count in files that a scrape sums
    (prometheus_client's multiprocess mode): in the operator's PROMETHEUS_MULTIPROC_DIR,
    or in a directory of this run's own. Call it before prometheus_client is imported:
    it chooses how to count then."""
    directory = os.environ.get(METRICS_DIRECTORY)
    if directory:
        for leftover in os.scandir(directory):  # an earlier run's counts, summed in forever
            if leftover.name.endswith(".db"):
                os.unlink(leftover.path)
        return
    os.environ[METRICS_DIRECTORY] = tempfile.mkdtemp(prefix="partnerbot-metrics-")
    _remove_at_exit.append(os.environ[METRICS_DIRECTORY])


_remove_at_exit: list[str] = []


def serve(
    load_app: Callable[[], ASGIApp],
    *,
    listener: socket.socket,
    workers: int,
    reminders: bool = True,
) -> None:
    """Serve until SIGTERM/SIGINT; requests in flight and work after the ack finish
    first. `load_app` runs in each worker after the fork: engines are never shared.
    With `reminders`, the server's one reminder process runs beside the workers."""
    from bot import metrics  # after share_metrics()

    options = {
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
    master = os.getpid()
    try:
        _Gunicorn(load_app, options, reminders=reminders).run()
    finally:
        if os.getpid() == master:  # a worker leaves through here too, when it exits
            for directory in _remove_at_exit:
                shutil.rmtree(directory, ignore_errors=True)


class _Arbiter(Arbiter):
    """gunicorn's master, also minding the server's one reminder process: started with
    the server, restarted if it dies, stopped alongside the workers."""

    def __init__(self, app: BaseApplication, reminders: ReminderProcess | None):
        super().__init__(app)
        self.reminders = reminders

    def start(self) -> None:
        super().start()
        if self.reminders:
            self.reminders.start()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.reminders:
            self.reminders.check()

    def stop(self, graceful: bool = True) -> None:
        if self.reminders:
            self.reminders.terminate()
        super().stop(graceful)
        if self.reminders:
            self.reminders.wait(timeout=self.cfg.graceful_timeout)


class _Gunicorn(BaseApplication):
    """gunicorn embedded, so `partnerbot run` is the whole command line."""

    def __init__(self, load_app: Callable[[], ASGIApp], options: dict, *, reminders: bool):
        self._load_app = load_app
        self._options = options
        self._reminders = ReminderProcess() if reminders else None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> ASGIApp:
        return self._load_app()

    def run(self) -> None:  # BaseApplication.run(), with our master
        try:
            _Arbiter(self, self._reminders).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)
