"""Backups as the README describes them: `partnerbot db backup FILE` for SQLite, and a
PostgreSQL dump restored into a new database that a new bot then runs on."""

import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from storage.engine import make_engine
from storage.migrate import current_revision, head_revision
from storage.models import Partnership, Reminder, ReminderState
from tests.fake_slack import eventually
from tests.processes import BotProcess, run_cli
from tests.reminder_rows import POSTED, due_reminders

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`


def partnership_names(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Partnership.name)))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_db_backup_copies_a_sqlite_database_in_use(database_url, engine, tmp_path):
    with Session(engine) as session:
        session.add(
            Partnership(
                team_id="T1",
                name="Spelthorne LSP",
                name_key="spelthorne lsp",
                created_by="U1",
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    target = tmp_path / "backup.db"
    with engine.connect():  # the bot holds the database open meanwhile
        result = run_cli("db", "backup", str(target), env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{database_url} backed up to {target}"
    copy = make_engine(f"sqlite:///{target}")
    assert partnership_names(copy) == ["Spelthorne LSP"]
    assert current_revision(copy) == head_revision()
    copy.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_db_backup_never_overwrites_a_file(database_url, tmp_path):
    target = tmp_path / "backup.db"
    target.write_text("last week's backup")
    result = run_cli("db", "backup", str(target), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert result.stderr == (
        f"partnerbot: db backup: {target} already exists; name a new file, "
        "nothing was overwritten\n"
    )
    assert target.read_text() == "last week's backup"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_db_backup_of_postgresql_points_to_pg_dump(database_url, tmp_path):
    result = run_cli("db", "backup", str(tmp_path / "x"), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "DATABASE_URL is PostgreSQL: back it up with pg_dump" in result.stderr
    assert not (tmp_path / "x").exists()


def libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def states(engine) -> dict[int, str]:
    with Session(engine) as session:
        return dict(session.exec(select(Reminder.id, Reminder.state).where(POSTED)).all())


def plan_second_rung(engine) -> None:
    """A reminder now due for every deadline, as if it fell due after the last run."""
    with Session(engine) as session:
        sent = session.exec(select(Reminder).where(POSTED)).all()
        rows = [
            r.model_dump(include={"team_id", "partnership_id", "subject", "subject_id"})
            | {"rung": "1d", "due_at": r.due_at, "expires_at": r.expires_at}
            | {"channel_id": r.channel_id, "state": ReminderState.PENDING}
            for r in sent
        ]
        session.exec(insert(Reminder), params=rows)
        session.commit()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_restored_dump_posts_only_what_was_not_posted(
    env, engine, database_url, blank_postgres_url, fake_slack, tmp_path
):
    sent_before = due_reminders(engine, channels=2, per_channel=2)
    bot = BotProcess(env, tmp_path / "before.log").start()
    try:
        eventually(lambda: set(states(engine).values()) == {"sent"}, what="reminders sent")
    finally:
        assert bot.stop() == 0
    plan_second_rung(engine)  # due, not yet posted when the backup is taken
    dump = tmp_path / "partnerbot.dump"
    # The README's commands, as an operator would type them.
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", libpq(database_url)], check=True
    )
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={libpq(blank_postgres_url)}", str(dump)],
        check=True,
    )
    restored = make_engine(blank_postgres_url)
    assert states(restored) == states(engine)
    posted_before = fake_slack.reminders_posted()
    assert len(posted_before) == sent_before

    bot = BotProcess(env | {"DATABASE_URL": blank_postgres_url}, tmp_path / "after.log").start()
    try:
        eventually(lambda: set(states(restored).values()) == {"sent"}, what="the due ones sent")
        fake_slack.drained()
    finally:
        assert bot.stop() == 0
    posted = fake_slack.reminders_posted()
    assert sorted(posted) == sorted(states(restored)), "each reminder posted exactly once"
    assert posted[: len(posted_before)] == posted_before
    restored.dispose()
