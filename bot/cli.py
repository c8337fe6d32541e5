"""The `partnerbot` command line: run, shell, demo, db upgrade, db backup."""

import argparse
import logging
import multiprocessing
import signal
import socket
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot import logs
from bot.config import ConfigError, Settings, load_settings, require_slack
from bot.slack_api import create_web_client, installation_store
from commands.context import utc_now
from formatting.counting import counted
from reminders.planning import plan_all
from storage.backup import BackupError, backup_sqlite
from storage.engine import make_engine, safe_url
from storage.installations import mark_installed
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
    from bot.server import listen, make_run_directory, serve

    # Socket Mode listens too: calendars fetch their feeds over HTTP (bot.feed_server).
    listener = listen(settings.port)
    migrate(settings.database_url)
    # Reminders for whatever has none yet (rows written before this version, or by
    # hand): once here, not once in every worker.
    engine = make_engine(settings.database_url)
    in_transaction(engine, lambda session: plan_all(session, settings.tz, utc_now()))
    team = "each installed workspace"
    if settings.multi_workspace:
        _check_token_key(settings, engine)
    else:
        team, team_id = _verify_token(settings)
        # Its token works, so the app is installed there (again): nothing is to be purged.
        in_transaction(engine, lambda session: mark_installed(session, team_id=team_id))
    workers = counted(settings.workers, "worker")
    mode = "socket" if settings.socket_mode else f"http on port {settings.port} with {workers}"
    log.info(
        "partnerbot starting: mode=%s database=%s team=%s",
        mode,
        safe_url(settings.database_url),
        team,
    )
    # Imported only now: /metrics counts across workers only if prometheus_client is
    # first imported after make_run_directory().
    if settings.socket_mode:
        _run_socket_mode(settings, engine, listener)
    else:
        engine.dispose()  # each worker makes its own after the fork
        run_directory = make_run_directory()
        from bot.reminder_service import dispatch_in_this_worker
        from bot.web import worker_app

        serve(
            worker_app,
            listener=listener,
            workers=settings.workers,
            run_directory=run_directory,
            in_one_worker=dispatch_in_this_worker,
        )


def _run_socket_mode(settings: Settings, engine: Engine, listener: socket.socket) -> None:
    from bot.app import create_app
    from bot.feed_server import FeedServer
    from bot.reminder_service import start_reminders, watch_queue_depth
    from bot.socket_mode import OncePerEnvelope

    assert settings.app_token is not None  # socket_mode means it is set
    app = create_app(settings, engine)
    web = FeedServer(engine, listener, settings.tz).start()
    start_reminders(settings, engine)
    watch_queue_depth(engine)
    handler = OncePerEnvelope(app, settings.app_token, engine, utc_now)
    # SIGTERM ends the wait below like Ctrl-C does, so the server closes its socket
    # and the reminder clock (atexit) lets a round in flight finish.
    signal.signal(signal.SIGTERM, _stop)
    try:
        handler.start()
    finally:
        handler.close()
        web.close()


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def shell(settings: Settings) -> None:
    from bot.shell import Shell

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    print(
        f"partnerbot shell on {safe_url(settings.database_url)} — :help for help, Ctrl-D to leave"
    )
    Shell(engine, settings, utc_now).loop()


def demo(settings: Settings) -> None:
    from bot.demo import run_demo

    run_demo(settings, utc_now)


def db_upgrade(settings: Settings) -> None:
    from storage.migrate import current_revision

    migrate(settings.database_url)
    revision = current_revision(make_engine(settings.database_url))
    print(f"{safe_url(settings.database_url)} is at revision {revision}")


def db_backup(settings: Settings, file: Path) -> int:
    try:
        backup_sqlite(settings.database_url, file)
    except BackupError as exc:
        print(f"partnerbot: db backup: {exc}", file=sys.stderr)
        return 1
    print(f"{safe_url(settings.database_url)} backed up to {file}")
    return 0


def migrate(database_url: str) -> None:
    """Bring the schema up to date in a short-lived child process: Alembic's modules
    and the memory a migration takes never weigh on this one, which goes on to become
    gunicorn's master. Forked, not a fresh interpreter: the child starts at once with
    what is loaded here (SQLAlchemy, the database driver)."""
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=fork) as child:
        problem = child.submit(_upgrade, database_url).result()
    if problem:
        raise ConfigError("DATABASE_URL", problem)


def _upgrade(database_url: str) -> str | None:
    """In the child: what went wrong, in one line, or None."""
    from storage.migrate import upgrade

    engine, where = make_engine(database_url), safe_url(database_url)
    try:
        engine.connect().close()
    except OperationalError as exc:
        return f"cannot open {where}: {_first_line(exc.orig) if exc.orig else 'no answer'}"
    try:
        upgrade(engine)
    except Exception as exc:  # a migration that fails: the server must not start
        return f"cannot migrate {where}: {_first_line(exc)}"
    finally:
        engine.dispose()
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _check_token_key(settings: Settings, engine: Engine) -> None:
    """Stored tokens sealed with another key would fail every request from their
    workspace: stop here with one line instead, before anything is served."""
    teams = installation_store(settings, engine).teams_sealed_with_another_key()
    if teams:
        raise ConfigError(
            "PARTNERBOT_TOKEN_KEY",
            f"the stored tokens of {counted(len(teams), 'workspace')} "
            f"({', '.join(teams[:5])}) do not "
            "open with it; set the key they were stored with",
        )


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
