"""Running the real `partnerbot` console script as a user would."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.slack_requests import BOT_TOKEN, SIGNING_SECRET, sign, slash_command_body

PARTNERBOT = str(Path(sys.executable).with_name("partnerbot"))

# What the bot may see of the test runner's environment: nothing Slack-related, and
# none of the server settings the tests choose themselves.
_SERVER_SETTINGS = {"PORT", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR"}
_BASE_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("SLACK_", "DATABASE_URL")) and k not in _SERVER_SETTINGS
}


def bot_environment(slack_url: str, database_url: str) -> dict[str, str]:
    """The environment `partnerbot run` gets in HTTP mode against a fake Slack."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "DATABASE_URL": database_url,
    }


def run_cli(*args: str, env: dict | None = None, stdin: str = "", cwd=None, timeout=60):
    return subprocess.run(
        [PARTNERBOT, *args],
        input=stdin,
        env=_BASE_ENV | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Slack gives up on a request that is not answered within 3 seconds, and shows the user
# an error: a test that cares about that waits no longer than Slack would.
SLACK_TIMEOUT = 3


def http_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict | None = None,
    *,
    timeout: float = 10,
):
    """(status, body text); HTTP errors are answers here, not exceptions, but no
    answer within `timeout` seconds is (a timeout error)."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_command(
    bot: "BotProcess",
    text: str,
    *,
    command: str = "/partnership",
    channel: str = "C1",
    headers: dict | None = None,
    timeout: float = 10,
) -> tuple[int, str]:
    """A slash command from user U1 of workspace T1, signed unless headers are given."""
    body = slash_command_body(command, text, team="T1", user="U1", channel=channel)
    headers = sign(body) if headers is None else headers
    headers = headers | {"Content-Type": "application/x-www-form-urlencoded"}
    return http_request("POST", bot.url + "/slack/events", body.encode(), headers, timeout=timeout)


def workers_of(pid: int) -> list[str]:
    """The pids of a gunicorn master's workers: its children, once it has started."""
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def spawn_bot(env: dict, log_path: Path) -> subprocess.Popen:
    """`partnerbot run` with only the given settings, its output appended to log_path."""
    with log_path.open("a") as log:
        return subprocess.Popen(
            [PARTNERBOT, "run"],
            env=_BASE_ENV | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() takes the workers too
        )


class BotProcess:
    """`partnerbot run` in HTTP mode, started and stopped like a service."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = env | {"PORT": str(self.port)}
        self._log_path = log_path
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "BotProcess":
        return self.spawn().wait_until_healthy(timeout)

    def spawn(self) -> "BotProcess":
        """Start it without waiting for it to answer."""
        self._process = spawn_bot(self._env, self._log_path)
        return self

    def wait_until_healthy(self, timeout: float = 20) -> "BotProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"partnerbot run exited:\n{self.logs()}")
            try:
                if http_request("GET", self.url + "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()  # never leave a half-started bot behind
        raise AssertionError(f"partnerbot run did not become healthy:\n{self.logs()}")

    def wait_for_workers(self, count: int, timeout: float = 20) -> "BotProcess":
        """Until `count` workers have started serving (uvicorn logs it, at INFO).

        Healthy means one worker answers; stopping the bot while another still boots
        takes gunicorn's graceful_timeout (20 s), as that worker ignores SIGTERM until
        uvicorn takes its signals over (bot.server.Worker.init_signals): wait first."""
        started = lambda: self.logs().count("Started server process") >= count  # noqa: E731
        deadline = time.monotonic() + timeout
        while not started():
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} workers did not start:\n{self.logs()}")
            time.sleep(0.05)
        return self

    @property
    def pid(self) -> int:
        """The gunicorn master's: `partnerbot run` execs into it."""
        assert self._process is not None
        return self._process.pid

    def stop(self) -> int | None:
        """SIGTERM (gunicorn finishes in-flight requests), then SIGKILL if it hangs."""
        if self._process is None or self._process.poll() is not None:
            return self._process.returncode if self._process else None
        self._process.terminate()
        try:
            return self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise AssertionError(f"partnerbot run ignored SIGTERM:\n{self.logs()}") from None

    def kill(self) -> None:
        """kill -9 of the whole bot, gunicorn's workers included: no cleanup runs."""
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()

    def logs(self) -> str:
        return self._log_path.read_text()
