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

# Table -> how to find the partnership of its row (ROW stands for NEW or OLD).
WATCHED = {
    "fund": "ROW.partnership_id",
    "fund_entry": "(SELECT partnership_id FROM fund WHERE id = ROW.fund_id)",
    "budget_line": "ROW.partnership_id",
    "deadline": "ROW.partnership_id",
}
# A reminder counts only when it becomes, or stops being, failed: lists mark failures,
# and the dispatcher's many other updates must not bump (or lock) the partnership.
FAILED = "'failed'"


def upgrade() -> None:
    with op.batch_alter_table("partnership") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
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
    with op.batch_alter_table("partnership") as batch:
        batch.drop_column("version")


def _bump(partnership: str) -> str:
    return f"UPDATE partnership SET version = version + 1 WHERE id = {partnership};"


def _postgresql_triggers() -> None:
    for table, partnership in [*WATCHED.items(), ("reminder", "ROW.partnership_id")]:
        op.execute(
            f"""
            CREATE FUNCTION {table}_bumps_version() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE changed {table};
            BEGIN
                IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
                {_bump(partnership.replace("ROW.", "changed."))}
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
    for table, partnership in WATCHED.items():
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_bumps_version AFTER {event} ON {table}"
                f" BEGIN {_bump(partnership.replace('ROW.', row + '.'))} END"
            )
    op.execute(
        "CREATE TRIGGER reminder_update_bumps_version AFTER UPDATE OF state ON reminder"
        f" WHEN (OLD.state = {FAILED}) IS NOT (NEW.state = {FAILED})"
        f" BEGIN {_bump('NEW.partnership_id')} END"
    )
    op.execute(
        "CREATE TRIGGER reminder_delete_bumps_version AFTER DELETE ON reminder"
        f" WHEN OLD.state = {FAILED} BEGIN {_bump('OLD.partnership_id')} END"
    )


def _sqlite_trigger_names() -> list[str]:
    events = ("insert", "update", "delete")
    return [f"{table}_{event}_bumps_version" for table in WATCHED for event in events] + [
        "reminder_update_bumps_version",
        "reminder_delete_bumps_version",
    ]
