"""HTTP mode's one reminder dispatcher: a process of its own beside gunicorn's workers.

`partnerbot run` is gunicorn's master. It must not run the dispatcher's threads itself
(it forks the workers, and a fork copies no threads but every lock they held), and the
workers must not each run one (they would pace a channel only through Slack's 429s). So
the master starts this module as a fresh interpreter (`python -m`, not a fork), restarts
it if it dies, and stops it with the workers. It counts its reminders into the same
PROMETHEUS_MULTIPROC_DIR as the workers, which it inherits with the environment.

The master knows it is alive by a pipe: the process holds the write end, so the read
end reports end-of-file once it has gone, whoever reaped it (gunicorn reaps every child).
"""

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

MODULE = "bot.reminder_process"  # what `ps` shows: tests tell it from the workers by it
RESTART_GAP = 5.0  # seconds between restarts, so one that dies at start does not spin
PARENT_CHECK = 1.0  # seconds: it leaves once its master has gone (killed with SIGKILL)


@dataclass
class _Running:
    process: subprocess.Popen
    alive: int  # the pipe's read end
    started: float

    def gone(self, timeout: float) -> bool:
        return bool(select.select([self.alive], [], [], timeout)[0])


class ReminderProcess:
    """The master's handle on the reminder process: start, restart, stop."""

    def __init__(self) -> None:
        self._running: _Running | None = None

    def start(self) -> None:
        alive, holder = os.pipe()
        process = subprocess.Popen([sys.executable, "-m", MODULE], pass_fds=(holder,))
        os.close(holder)
        self._running = _Running(process, alive, time.monotonic())

    def check(self) -> None:
        """Restart it if it has died (called from the master's loop, about once a second)."""
        running = self._running
        if running is None or not running.gone(0):
            return
        if time.monotonic() - running.started < RESTART_GAP:
            return
        log.warning("the reminder process (pid %s) stopped; starting another", self.pid)
        self._close(running)
        self.start()

    def terminate(self) -> None:
        running = self._running
        if running is not None and not running.gone(0):
            running.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        """Until it has gone (it finishes the round in flight), then SIGKILL."""
        running = self._running
        if running is None:
            return
        if not running.gone(timeout):
            log.warning("the reminder process (pid %s) ignored SIGTERM; killing it", self.pid)
            running.process.kill()
        self._close(running)

    @property
    def pid(self) -> int | None:
        return self._running.process.pid if self._running else None

    def _close(self, running: _Running) -> None:
        os.close(running.alive)
        self._running = None


def main() -> int:
    """The process itself: one dispatcher until SIGTERM, SIGINT or its master's end."""
    from bot import logs
    from bot.config import load_settings
    from bot.reminder_service import start_reminders
    from storage.engine import make_engine

    settings = load_settings()
    logs.configure(settings.log_level, settings.secrets())
    master = os.getppid()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stop = start_reminders(settings, make_engine(settings.database_url))
    log.info("reminders: this server's one dispatcher runs in process %d", os.getpid())
    while not stopping.wait(PARENT_CHECK) and os.getppid() == master:
        pass
    stop()  # the round in flight finishes and is recorded
    return 0


if __name__ == "__main__":
    sys.exit(main())
