"""Counting the bot's background work, so a test knows when an in-process bot is idle
(tests.fake_slack's drained()) instead of sleeping."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


class BackgroundWork:
    """Counts the tasks handed to thread pools in this process and not yet finished:
    an in-process bot's lazy listeners, deliveries and Home tab refreshes all run on
    pools. While counting() is in force, every ThreadPoolExecutor reports here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self.changed = 0.0  # time.monotonic() of the last task started or finished

    @property
    def running(self) -> int:
        return self._running

    def counting(self) -> Callable:
        """A ThreadPoolExecutor.submit that counts; monkeypatch it onto the class."""
        submit = ThreadPoolExecutor.submit

        def counted(pool, fn, /, *args, **kwargs):
            self._step(+1)
            try:
                future = submit(pool, fn, *args, **kwargs)
            except BaseException:
                self._step(-1)
                raise
            future.add_done_callback(lambda _: self._step(-1))
            return future

        return counted

    def _step(self, by: int) -> None:
        with self._lock:
            self._running += by
            self.changed = time.monotonic()
