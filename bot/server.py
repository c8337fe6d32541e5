"""HTTP mode's processes: a lean gunicorn master and the workers that serve the bot.

`partnerbot run` checks the settings, migrates the database and asks Slack who it is,
then replaces itself (exec: same pid, same signals, same output) with this module's
main(). Bolt's App.start() server is for development only; gunicorn is the production
server.

The master imports gunicorn, prometheus_client and the bot's logging and metrics set-up,
nothing more: with one worker there is nothing to share, and what the checks loaded
(SQLAlchemy, Alembic, Bolt) would only have weighed on the master for its whole life.
Each worker builds the app after the fork. With several workers the master loads the
app's modules and the database driver first, so that the workers share those pages
(gunicorn's preload) instead of each holding a copy.
"""

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import NoReturn

from gunicorn.app.base import BaseApplication

from bot import logs, metrics

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


# Request threads per worker. A command is Python work under the GIL plus database
# calls of well under a millisecond, so more threads only queue for the one GIL, and
# each hand-over costs two context switches: with 8 threads a command cost 45 of them
# and 1.3 ms of CPU, with 2 threads 18 and 0.8 ms (bench/command_speed.py). Slow work
# (Web API calls) runs after the ack on the app's event threads; two request threads
# keep one command waiting on a database lock from holding up the rest.
THREADS = 2


def become_server(*, port: int, log_level: str, workers: int) -> NoReturn:
    """Replace this process with a fresh interpreter running main() (same pid)."""
    sys.stdout.flush()
    sys.stderr.flush()
    # -P: the working directory is not put on sys.path; the installed bot is the one run.
    argv = [sys.executable, "-P", "-m", "bot.server", "--port", str(port)]
    argv += ["--log-level", log_level, "--workers", str(workers)]
    # gunicorn reads WEB_CONCURRENCY when it is imported, and int("") would fail there.
    environment = os.environ | {"WEB_CONCURRENCY": str(workers)}
    if workers > 1 and not metrics.shared_directory():
        # prometheus_client reads this when it is imported: set for the new interpreter.
        environment[metrics.MULTIPROC_VARIABLE] = str(metrics.own_directory(port))
    os.execve(sys.executable, argv, environment)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", required=True)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args(argv)
    # The master logs only gunicorn's comings and goings; each worker configures logging
    # again with the settings' secrets to mask.
    logs.configure(args.log_level, secrets=[])
    if args.workers > 1:
        _share_with_workers()
    serve(_bot_app, port=args.port, log_level=args.log_level, workers=args.workers)


def serve(
    load_app: Callable[[], WSGIApp],
    *,
    port: int,
    log_level: str,
    workers: int,
) -> None:
    """Serve until SIGTERM/SIGINT; gunicorn lets in-flight requests finish first."""
    if workers > 1 and not metrics.shared_directory():
        log.warning("several workers without PROMETHEUS_MULTIPROC_DIR: /metrics is per worker")
    metrics.forget_earlier_runs()
    _Gunicorn(
        load_app,
        {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            # Several workers each listen on their own socket and the kernel spreads
            # connections over them; on one shared socket, the first worker awake takes
            # them all. With one worker it stays off: the master's socket then holds
            # connections while a crashed worker is replaced.
            "reuse_port": workers > 1,
            "worker_class": "gthread",
            "threads": THREADS,
            "timeout": 30,
            "graceful_timeout": 20,
            "loglevel": log_level.lower(),
            "accesslog": None,  # our own log line per command says more, and no bodies
            "child_exit": lambda server, worker: metrics.worker_exited(worker.pid),
        },
    ).run()


class _Gunicorn(BaseApplication):
    """gunicorn embedded, so `partnerbot run` is the whole command line."""

    def __init__(self, load_app: Callable[[], WSGIApp], options: dict):
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        # Runs in each worker after the fork: engines and sockets are never shared.
        return self._load_app()


def _bot_app() -> WSGIApp:
    from bot.web import worker_app  # in the worker: the master stays lean

    app = worker_app()
    gc.freeze()  # what start-up built lives as long as the worker: never scan it
    return app


def _share_with_workers() -> None:
    """Load in the master what every worker needs, so the forked workers share its
    pages rather than each building a copy; then freeze it, so that the workers'
    garbage collector never scans those objects: a full collection stays short, and it
    writes nothing to (and so copies nothing of) the shared pages."""
    import bot.web  # noqa: F401  (the imports are the point)
    from commands.dates import warm_up

    warm_up()
    gc.freeze()


if __name__ == "__main__":
    main()
