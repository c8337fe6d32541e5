"""The Alembic migrations build exactly the schema the models describe."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from commands.dispatch import dispatch
from storage.engine import make_engine
from storage.installations import oauth_metadata
from storage.migrate import alembic_config, current_revision, upgrade
from tests.helpers import CTX


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, [SQLModel.metadata, oauth_metadata]) == []


def test_upgrade_twice_is_harmless(unmigrated_database_url):
    engine = make_engine(unmigrated_database_url)
    assert current_revision(engine) is None
    upgrade(engine)
    first = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == first is not None
    assert {"partnership", "channel_link", "membership", "slack_event"} <= set(
        inspect(engine).get_table_names()
    )


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_the_read_cache_migration_goes_both_ways_and_keeps_every_row(engine):
    """0010 drops the version column, its triggers and PostgreSQL's notices; undone, it
    puts them back. Neither way may rebuild `partnership` on SQLite: with foreign keys
    on, dropping the old table deletes every row that refers to it.

    Commands go straight to dispatch(): through the Slack app, a Home tab refresh
    would still be reading in the background when the migration takes its locks."""
    assert dispatch(engine, CTX, "/partnership", "create Spelthorne LSP").public
    assert dispatch(engine, CTX, "/budget", 'fund "Pooled fund" £6,000').public
    assert dispatch(engine, CTX, "/deadline", 'add "Quarterly return" 5pm 31 July').public
    before = _counts(engine)
    assert not _triggers(engine)
    _migrate(engine, command.downgrade, "0009")
    assert _counts(engine) == before
    assert _triggers(engine)
    # Written in SQL: today's models have columns that later migrations add.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO fund_entry (team_id, fund_id, kind, amount_pence, created_by, created_at)"
            " SELECT team_id, id, 'allocation', 100000, created_by, created_at FROM fund"
        )
    with engine.connect() as connection:  # the restored triggers bump it again
        assert connection.exec_driver_sql("SELECT version FROM partnership").scalar() > 0
    _migrate(engine, command.upgrade, "head")
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("partnership")}
    assert not _triggers(engine)
    assert _counts(engine) == before | {"fund_entry": before["fund_entry"] + 1}


def _triggers(engine) -> list[str]:
    query = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    with engine.connect() as connection:
        return list(connection.exec_driver_sql(query).scalars())


def _counts(engine) -> dict[str, int]:
    tables = ("partnership", "channel_link", "membership", "fund", "fund_entry", "deadline")
    with engine.connect() as connection:
        return {t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in tables}


def _migrate(engine, step, revision: str) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
        connection.commit()


def test_0013_rekeys_names_with_invisible_characters(engine):
    """Keys stored before 0013 kept zero-width spaces; recomputed, a lookalike of a
    stored name is then refused. Two stored names that now fold alike both survive."""
    _migrate(engine, command.downgrade, "0011")
    rows = [("Be\u200bta LSP", "be\u200bta lsp"), ("Alpha LSP", "alpha lsp")]
    rows.append(("Al\u200bpha LSP", "al\u200bpha lsp"))
    with engine.begin() as connection:
        for name, key in rows:
            connection.execute(
                text(
                    "INSERT INTO partnership (team_id, name, name_key, created_by, created_at)"
                    " VALUES ('T1', :name, :key, 'U1', '2026-11-24 14:30:00')"
                ),
                {"name": name, "key": key},
            )
    _migrate(engine, command.upgrade, "head")
    with engine.connect() as connection:
        keys = dict(connection.exec_driver_sql("SELECT name, name_key FROM partnership").all())
    assert keys["Be\u200bta LSP"] == "beta lsp" and keys["Alpha LSP"] == "alpha lsp"
    assert keys["Al\u200bpha LSP"] == "al\u200bpha lsp"  # kept: "alpha lsp" was taken
    refused = dispatch(engine, CTX, "/partnership", "create Beta LSP")
    assert not refused.ok and "already exists" in refused.text


def test_0024_keeps_what_was_submitted_before_it_as_version_1(engine):
    """Submitted questionnaires from before 0024 keep their answers as their first
    submitted version; one still being answered has none; undone, the table goes."""
    _migrate(engine, command.downgrade, "0020")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO partnership (id, team_id, name, name_key, created_by, created_at, "
            "nation) VALUES (1, 'T1', 'Spelthorne LSP', 'spelthorne lsp', 'U1', "
            "'2026-11-24 14:30:00', 'england')"
        )
        for run_id, status, submitted in (
            (1, "submitted", "'2026-11-25 10:00:00'"),
            (2, "open", "NULL"),
        ):
            connection.exec_driver_sql(
                "INSERT INTO assess_run (id, team_id, partnership_id, number, template_name, "
                "source, assignee_id, channel_id, status, current, created_by, created_at, "
                "last_activity_at, submitted_at, direct) VALUES "
                f"({run_id}, 'T1', 1, {run_id}, 'baseline', '', 'U2', 'C1', '{status}', 0, "
                f"'U1', '2026-11-24 14:30:00', '2026-11-24 14:30:00', {submitted}, false)"
            )
            connection.exec_driver_sql(
                "INSERT INTO assess_answer (team_id, run_id, position, value, answered_by, "
                f"answered_at) VALUES ('T1', {run_id}, 0, 'Quarterly', 'U2', "
                "'2026-11-24 14:30:00')"
            )
    _migrate(engine, command.upgrade, "head")
    with engine.connect() as connection:
        kept = connection.exec_driver_sql(
            "SELECT run_id, version, position, value FROM assess_submitted_answer"
        ).all()
    assert [tuple(row) for row in kept] == [(1, 1, 0, "Quarterly")]
    _migrate(engine, command.downgrade, "0020")
    assert "assess_submitted_answer" not in inspect(engine).get_table_names()
    _migrate(engine, command.upgrade, "head")


def test_0021_puts_older_money_in_the_financial_year_of_its_london_date(engine):
    """31 Mar 2010 23:30 UTC was 1 Apr 00:30 in London: 2010/11; an hour before, 2009/10."""
    assert dispatch(engine, CTX, "/partnership", "create Calderdale Forward").public
    assert dispatch(engine, CTX, "/budget", 'fund "LSP pooled budget" £6,000').public
    # To the revision before 0021, whichever the merges chained it to.
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0021").down_revision
    _migrate(engine, command.downgrade, before)
    with engine.begin() as connection:
        for at in ("2010-03-31 22:30:00", "2010-03-31 23:30:00"):
            connection.exec_driver_sql(
                "INSERT INTO fund_entry (team_id, fund_id, kind, amount_pence, created_by, "
                f"created_at) SELECT team_id, id, 'contribution', 10000, created_by, '{at}' FROM fund"
            )
    _migrate(engine, command.upgrade, "head")
    with engine.connect() as connection:
        years = connection.exec_driver_sql(
            "SELECT financial_year FROM fund_entry ORDER BY id"
        ).scalars()
        assert list(years) == [2026, 2009, 2010]
    shown = dispatch(engine, CTX, "/budget", "year 2009/10")
    assert "£100 in" in shown.text and "Other years: 2010/11, 2026/27." in shown.text


def test_0028_adds_the_request_message_and_takes_it_away_again(engine):
    """Where a sign-off request was posted: two nullable columns, added in place (a
    request from before is decided in a new message), dropped again by the downgrade."""

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("budget_approval")}

    assert {"channel_id", "message_ts"} <= columns()
    _migrate(engine, command.downgrade, "0027")
    assert not {"channel_id", "message_ts"} & columns()
    _migrate(engine, command.upgrade, "head")
    assert {"channel_id", "message_ts"} <= columns()
