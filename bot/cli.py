"""The `partnerbot` command line: run, shell, demo, db upgrade."""

import argparse
import errno
import logging
import os
import socket
import sys

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot import logs
from bot.clock import utc_now
from bot.config import ConfigError, Settings, load_settings, require_slack
from bot.reminders import plan_missing_reminders, start_reminders
from bot.slack_api import create_web_client
from storage.engine import make_engine, safe_url
from storage.migrate import current_revision, upgrade

log = logging.getLogger("partnerbot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings.log_level, settings.secrets())
        return args.action(settings) or 0
    except ConfigError as exc:
        print(f"partnerbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def run(settings: Settings) -> None:
    require_slack(settings)
    if not settings.socket_mode:
        _claim_port(settings.port)
        _check_port_free(settings.port)
    engine = _migrate(settings)
    plan_missing_reminders(settings, engine)  # once, not once in every worker
    team = "each installed workspace" if settings.multi_workspace else _verify_token(settings)
    workers = f"{settings.workers} worker{'s' if settings.workers > 1 else ''}"
    mode = "socket" if settings.socket_mode else f"http on port {settings.port} with {workers}"
    log.info(
        "partnerbot starting: mode=%s database=%s team=%s",
        mode,
        safe_url(settings.database_url),
        team,
    )
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.app import create_app

        app = create_app(settings, engine)
        start_reminders(settings, engine)
        SocketModeHandler(app, settings.app_token).start()
    else:
        from bot.server import become_server

        engine.dispose()  # the server is exec'd next: nothing left open
        become_server(port=settings.port, log_level=settings.log_level, workers=settings.workers)


def shell(settings: Settings) -> None:
    from bot.shell import Shell

    engine = _migrate(settings)
    print(
        f"partnerbot shell on {safe_url(settings.database_url)} — :help for help, Ctrl-D to leave"
    )
    Shell(engine, settings, utc_now).loop()


def demo(settings: Settings) -> None:
    from bot.demo import run_demo

    run_demo(settings, utc_now)


def db_upgrade(settings: Settings) -> None:
    engine = _migrate(settings)
    print(f"{safe_url(settings.database_url)} is at revision {current_revision(engine)}")


def _migrate(settings: Settings):
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise ConfigError(
            "DATABASE_URL", f"cannot open {safe_url(settings.database_url)}: {reason}"
        ) from None
    return engine


def _claim_port(port: int) -> None:
    """Hold a claim on `port` from here to the server's end: nothing listens until the
    token is checked, so two servers started together would both find the port free,
    and with SO_REUSEPORT both would then serve it. The claim is a Unix socket bound to
    an abstract name (Linux: no file to leave behind, one namespace per network
    namespace, as ports are); the exec'd gunicorn master and its workers inherit it, and
    the kernel frees the name when the last of them exits, however it ends."""
    if not sys.platform.startswith("linux"):
        return  # no abstract names elsewhere: the probe below is the only check there
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0partnerbot-http-{port}")
    except OSError as exc:
        claim.close()
        problem = "is in use by another partnerbot run; stop it first"
        if exc.errno != errno.EADDRINUSE:
            problem = f"cannot be claimed ({exc.strerror})"
        raise ConfigError("PORT", f"{port} {problem}") from None
    # detach(): the descriptor outlives the socket object, open on purpose through the exec
    os.set_inheritable(claim.detach(), True)


def _check_port_free(port: int) -> None:
    """Several workers listen with SO_REUSEPORT, which would let a second server on the
    same port quietly take half of the first one's requests: refuse to start instead."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            problem = "is in use; stop what listens there first"
            if exc.errno != errno.EADDRINUSE:
                problem = f"cannot be listened on ({exc.strerror})"
            raise ConfigError("PORT", f"{port} {problem}") from None


def _verify_token(settings: Settings) -> str:
    """Ask Slack who we are, so a wrong token fails here with one line, not later."""
    try:
        auth = create_web_client(settings).auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            "SLACK_BOT_TOKEN", f"Slack rejected it ({exc.response.get('error')})"
        ) from None
    except (SlackClientError, OSError) as exc:
        raise ConfigError("SLACK_API_URL", f"cannot reach {settings.api_url}: {exc}") from None
    return f"{auth.get('team')} ({auth.get('team_id')})"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnerbot",
        description="A Slack bot for partnership budgets, deadlines, events and self-assessments.",
        epilog="Settings come from environment variables; see README.md.",
    )
    sub = parser.add_subparsers(required=True, metavar="command")
    sub.add_parser(
        "run", help="connect to Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)"
    ).set_defaults(action=run)
    sub.add_parser("shell", help="type slash commands locally, without Slack").set_defaults(
        action=shell
    )
    sub.add_parser(
        "demo", help="the shell on a fresh database with sample partnerships"
    ).set_defaults(action=demo)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        required=True, metavar="action"
    )
    db.add_parser("upgrade", help="apply schema migrations").set_defaults(action=db_upgrade)
    return parser


if __name__ == "__main__":
    sys.exit(main())
