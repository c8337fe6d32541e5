"""Settings from environment variables, checked once, with one clear line per mistake."""

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.housekeeping import Retention
from storage.engine import DatabaseURLError, normalise_url
from storage.installations import TokenKeyError, check_key

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SLACK_API = "https://slack.com/api/"
MAX_WORKERS = 64


class ConfigError(Exception):
    """A setting that is missing or wrong; `str()` names the variable and the fix."""

    def __init__(self, variable: str, problem: str):
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    port: int
    tz: ZoneInfo
    log_level: str
    workers: int  # gunicorn worker processes in HTTP mode
    # How long a reminder claimed by a replica that died stays its own before another
    # replica checks the channel and posts it: longer than a Web API call can take.
    reminder_lease: int = 60
    # Multi-workspace installs (OAuth): all three, or none for one workspace's token.
    client_id: str | None = None
    client_secret: str | None = None
    token_key: str | None = None  # encrypts the stored bot tokens
    retention: Retention = Retention()  # what the daily housekeeping deletes, and when
    public_url: str | None = None  # where calendars fetch feeds; no trailing slash

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def multi_workspace(self) -> bool:
        return self.client_id is not None

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = (self.bot_token, self.signing_secret, self.app_token)
        return [s for s in (*values, self.client_secret, self.token_key) if s]


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read and check every setting; raise ConfigError for the first bad one."""

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None  # an empty variable counts as unset

    return Settings(
        bot_token=_prefixed(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"),
        signing_secret=_secret(get("SLACK_SIGNING_SECRET")),
        app_token=_prefixed(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-"),
        api_url=_api_url(get("SLACK_API_URL") or SLACK_API),
        database_url=_database_url(get("DATABASE_URL") or "sqlite:///partnerbot.db"),
        port=_port(get("PORT") or "3000"),
        tz=_zone(get("PARTNERBOT_TZ") or "Europe/London"),
        log_level=_log_level(get("LOG_LEVEL") or "INFO"),
        workers=_workers(get("WEB_CONCURRENCY")),
        reminder_lease=_lease(get("REMINDER_LEASE_SECONDS") or "60"),
        **_oauth(get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET"), get("PARTNERBOT_TOKEN_KEY")),
        retention=_retention(get),
        public_url=_public_url(get("PARTNERBOT_PUBLIC_URL")),
    )


def _retention(get) -> Retention:
    def days(name: str, default: int) -> timedelta:
        value = get(f"PARTNERBOT_RETENTION_DAYS_{name}") or str(default)
        return timedelta(days=_whole(f"PARTNERBOT_RETENTION_DAYS_{name}", value, 1, 3650, "days"))

    hours = get("PARTNERBOT_RETENTION_HOURS_EVENT_IDS") or "24"
    uninstall = "PARTNERBOT_RETENTION_DAYS_AFTER_UNINSTALL"  # 0 is allowed: purge at once
    return Retention(
        # Slack retries a missed event for minutes; an hour is the least that is safe.
        event_ids=timedelta(
            hours=_whole("PARTNERBOT_RETENTION_HOURS_EVENT_IDS", hours, 1, 720, "hours")
        ),
        finished_reminders=days("FINISHED_REMINDERS", 365),
        cancelled_questionnaires=days("CANCELLED_QUESTIONNAIRES", 365),
        after_uninstall=timedelta(days=_whole(uninstall, get(uninstall) or "30", 0, 3650, "days")),
    )


def _whole(name: str, value: str, low: int, high: int, unit: str) -> int:
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ConfigError(name, f"{value!r} is not a whole number of {unit} ({low}-{high})")
    return int(value)


def require_slack(settings: Settings) -> None:
    """`partnerbot run` needs credentials; the shell and demo do not."""
    if settings.multi_workspace:
        if settings.socket_mode:
            raise ConfigError(
                "SLACK_APP_TOKEN",
                "multi-workspace installs need HTTP mode for the install page; unset it",
            )
        if settings.signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET", "not set; HTTP mode needs it")
        return
    if settings.bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN", "not set; copy the xoxb- token from OAuth & Permissions"
        )
    if not settings.socket_mode and settings.signing_secret is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "not set; HTTP mode needs it (Basic Information > Signing Secret), "
            "or set SLACK_APP_TOKEN for Socket Mode",
        )


def _prefixed(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(name, f"should start with {prefix!r}")
    return value


def _secret(value: str | None) -> str | None:
    if value is not None and any(char.isspace() for char in value):
        raise ConfigError("SLACK_SIGNING_SECRET", "contains white space; paste it again")
    return value


def _oauth(client_id: str | None, secret: str | None, key: str | None) -> dict:
    if client_id is None and secret is None:
        return {}
    if client_id is None or secret is None:
        missing = "SLACK_CLIENT_ID" if client_id is None else "SLACK_CLIENT_SECRET"
        raise ConfigError(missing, "not set; multi-workspace installs need both client values")
    if key is None:
        raise ConfigError("PARTNERBOT_TOKEN_KEY", "not set; it encrypts the stored bot tokens")
    try:
        check_key(key)
    except TokenKeyError as exc:
        raise ConfigError("PARTNERBOT_TOKEN_KEY", str(exc)) from None
    return {"client_id": client_id, "client_secret": secret, "token_key": key}


def _api_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("SLACK_API_URL", f"{value!r} is not an http(s) URL")
    return value if value.endswith("/") else value + "/"


def _public_url(value: str | None) -> str | None:
    """Calendar clients are given it inside feed URLs: an http(s) address with no query."""
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query:
        raise ConfigError(
            "PARTNERBOT_PUBLIC_URL", f"{value!r} is not an address such as https://bot.example.org"
        )
    return value.rstrip("/")


def _database_url(value: str) -> str:
    try:
        return normalise_url(value)
    except DatabaseURLError as exc:
        raise ConfigError("DATABASE_URL", str(exc)) from None


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise ConfigError("PORT", f"{value!r} is not a port number (1-65535)")
    return int(value)


def _workers(value: str | None) -> int:
    """WEB_CONCURRENCY, or one worker per CPU this process may use: one Python process
    runs Python code on one core at a time, however many threads it has."""
    if value is None:
        return min(usable_cpus(), MAX_WORKERS)
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_WORKERS:
        raise ConfigError(
            "WEB_CONCURRENCY", f"{value!r} is not a number of worker processes (1-{MAX_WORKERS})"
        )
    return int(value)


def usable_cpus(cgroup: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The CPUs this process may run on, fewer if a container's CPU quota (cgroup v2:
    "quota period" microseconds, or "max") allows less than all of them."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = cgroup.read_text().split()
        cpus = min(cpus or 1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):  # no cgroup v2 here, or "max": no quota
        pass
    return max(cpus or 1, 1)


def _zone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "PARTNERBOT_TZ", f"{value!r} is not a time zone, e.g. Europe/London"
        ) from None


def _lease(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 15 <= int(value) <= 3600:
        raise ConfigError(
            "REMINDER_LEASE_SECONDS",
            f"{value!r} is not a number of seconds from 15 (a Web API call may take 10) to 3600",
        )
    return int(value)


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
    return value.upper()
