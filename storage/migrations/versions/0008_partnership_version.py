"""partnership version: bumped by the database on every change the cached reads show

storage.read_cache reuses a partnership's budget figures and deadline list while its
version is unchanged. Triggers, not application code, bump it: no write path can forget
to, and a change made by another replica, or by hand in psql, counts too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> the column that says whose its rows are: a partnership, or a fund.
WATCHED = {
    "fund": "partnership_id",
    "fund_entry": "fund_id",
    "budget_line": "partnership_id",
    "deadline": "partnership_id",
}
# A reminder counts only when it becomes, or stops being, failed: lists mark failures,
# and the dispatcher's many other updates must not bump (or lock) the partnership.
FAILED = "'failed'"
# On SQLite, one trigger per event, and the rows whose partnership each one bumps.
SQLITE_EVENTS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def upgrade() -> None:
    op.add_column(
        "partnership", sa.Column("version", sa.Integer(), server_default="0", nullable=False)
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS reminder_failure_bumps_version ON reminder")
        for table in [*WATCHED, "reminder"]:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_version ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_bumps_version()")
    else:
        for name in _sqlite_trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # Not batch mode: on SQLite it rebuilds the table, and dropping the old one with
    # foreign keys on deletes every child row (ON DELETE CASCADE). SQLite >= 3.35 drops
    # a column in place.
    op.execute("ALTER TABLE partnership DROP COLUMN version")


def _bump(table: str, *rows: str) -> str:
    """The UPDATE that bumps the partnerships of `rows` (OLD, NEW or both: an update
    that moved a row counts for both)."""
    column = WATCHED.get(table, "partnership_id")
    ids = ", ".join(f"{row}.{column}" for row in rows)
    if column == "fund_id":  # a fund entry is its fund's partnership's
        ids = f"SELECT partnership_id FROM fund WHERE id IN ({ids})"
    return f"UPDATE partnership SET version = version + 1 WHERE id IN ({ids});"


def _postgresql_triggers() -> None:
    for table in [*WATCHED, "reminder"]:
        # OLD is NULL in an INSERT trigger and NEW in a DELETE one: both can be named.
        op.execute(
            f"""
            CREATE FUNCTION {table}_bumps_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {_bump(table, "OLD", "NEW")}
                RETURN NULL;
            END $$
            """
        )
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER {table}_bumps_version AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {table}_bumps_version()"
        )
    op.execute(
        "CREATE TRIGGER reminder_bumps_version AFTER UPDATE OF state ON reminder FOR EACH ROW"
        f" WHEN ((OLD.state = {FAILED}) IS DISTINCT FROM (NEW.state = {FAILED}))"
        " EXECUTE FUNCTION reminder_bumps_version()"
    )
    op.execute(
        "CREATE TRIGGER reminder_failure_bumps_version AFTER DELETE ON reminder FOR EACH ROW"
        f" WHEN (OLD.state = {FAILED}) EXECUTE FUNCTION reminder_bumps_version()"
    )


def _sqlite_triggers() -> None:
    for table in WATCHED:
        for event, rows in SQLITE_EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_{event}_bumps_version AFTER {event.upper()} ON {table}"
                f" BEGIN {_bump(table, *rows)} END"
            )
    op.execute(
        "CREATE TRIGGER reminder_update_bumps_version AFTER UPDATE OF state ON reminder"
        f" WHEN (OLD.state = {FAILED}) IS NOT (NEW.state = {FAILED})"
        f" BEGIN {_bump('reminder', 'NEW')} END"
    )
    op.execute(
        "CREATE TRIGGER reminder_delete_bumps_version AFTER DELETE ON reminder"
        f" WHEN OLD.state = {FAILED} BEGIN {_bump('reminder', 'OLD')} END"
    )


def _sqlite_trigger_names() -> list[str]:
    return [f"{table}_{event}_bumps_version" for table in WATCHED for event in SQLITE_EVENTS] + [
        "reminder_update_bumps_version",
        "reminder_delete_bumps_version",
    ]
