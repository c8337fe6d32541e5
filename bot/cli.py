"""The `partnerbot` command line: run, shell, demo, db upgrade, db backup."""

import argparse
import logging
import sys
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot import logs
from bot.config import ConfigError, Settings, load_settings, require_slack
from bot.slack_api import create_web_client
from commands.context import utc_now
from commands.reminder_plans import plan_all
from storage.backup import BackupError, backup_sqlite
from storage.engine import make_engine, safe_url
from storage.installations import mark_installed
from storage.migrate import current_revision, upgrade
from storage.transaction import in_transaction

log = logging.getLogger("partnerbot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings.log_level, settings.secrets())
        options = {name: value for name, value in vars(args).items() if name != "action"}
        return args.action(settings, **options) or 0
    except ConfigError as exc:
        print(f"partnerbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def run(settings: Settings) -> None:
    require_slack(settings)
    # gunicorn reads WEB_CONCURRENCY when it is imported: only once settings checked it.
    from bot.server import listen, serve, share_metrics

    listener = None if settings.socket_mode else listen(settings.port)
    engine = _migrate(settings)
    # Reminders for whatever has none yet (rows written before this version, or by
    # hand): once here, not once in every worker.
    in_transaction(engine, lambda session: plan_all(session, settings.tz, utc_now()))
    team = "each installed workspace"
    if not settings.multi_workspace:
        team, team_id = _verify_token(settings)
        # Its token works, so the app is installed there (again): nothing is to be purged.
        in_transaction(engine, lambda session: mark_installed(session, team_id=team_id))
    workers = f"{settings.workers} worker{'s' if settings.workers > 1 else ''}"
    mode = "socket" if settings.socket_mode else f"http on port {settings.port} with {workers}"
    log.info(
        "partnerbot starting: mode=%s database=%s team=%s",
        mode,
        safe_url(settings.database_url),
        team,
    )
    # Imported only now: /metrics counts across workers only if prometheus_client is
    # first imported after share_metrics().
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.app import create_app
        from bot.reminder_service import start_reminders, watch_queue_depth

        app = create_app(settings, engine)
        start_reminders(settings, engine)
        watch_queue_depth(engine)
        SocketModeHandler(app, settings.app_token).start()
    else:
        engine.dispose()  # each worker makes its own after the fork
        share_metrics()
        from bot.web import worker_app

        assert listener is not None  # bound above unless in socket mode

        serve(worker_app, listener=listener, workers=settings.workers)


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


def db_backup(settings: Settings, file: Path) -> int:
    try:
        backup_sqlite(settings.database_url, file)
    except BackupError as exc:
        print(f"partnerbot: db backup: {exc}", file=sys.stderr)
        return 1
    print(f"{safe_url(settings.database_url)} backed up to {file}")
    return 0


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


def _verify_token(settings: Settings) -> tuple[str, str]:
    """Ask Slack who we are, so a wrong token fails here with one line, not later."""
    try:
        auth = create_web_client(settings).auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            "SLACK_BOT_TOKEN", f"Slack rejected it ({exc.response.get('error')})"
        ) from None
    except (SlackClientError, OSError) as exc:
        raise ConfigError("SLACK_API_URL", f"cannot reach {settings.api_url}: {exc}") from None
    return f"{auth.get('team')} ({auth.get('team_id')})", str(auth.get("team_id"))


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
    backup = db.add_parser("backup", help="copy a SQLite database, safely while it is in use")
    backup.add_argument("file", type=Path, help="the new file to write")
    backup.set_defaults(action=db_backup)
    return parser


if __name__ == "__main__":
    sys.exit(main())
