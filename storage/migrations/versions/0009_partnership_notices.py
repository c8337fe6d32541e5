"""partnership notices: PostgreSQL says which partnership's row or channels changed

storage.partnership_watch keeps each channel's partnership row in memory, and forgets
it when told. Every change it must hear of passes through these two tables: a change
to a fund, budget line, deadline or failed reminder bumps `partnership.version`
(migration 0008). The payload is the partnership's id; a TRUNCATE, whose rows no
trigger sees, sends an empty one: everything may have changed.

Nothing on SQLite: it has no notices, and there every command reads the row anyway.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "partnerbot_partnership"  # storage.partnership_watch listens on it
# Table -> the column that holds the partnership's id.
TOLD = {"partnership": "id", "channel_link": "partnership_id"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # OLD is NULL in an INSERT trigger and NEW in a DELETE one; a row moved from one
    # partnership to another tells both. PostgreSQL sends a transaction's notices when
    # it commits, each distinct payload once.
    op.execute(
        f"""
        CREATE FUNCTION partnership_notifies() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('{CHANNEL}', '');
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                PERFORM pg_notify('{CHANNEL}', to_jsonb(NEW) ->> TG_ARGV[0]);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table, column in TOLD.items():
        op.execute(
            f"CREATE TRIGGER {table}_notifies AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION partnership_notifies('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_truncate_notifies AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION partnership_notifies()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TOLD:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notifies ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_notifies ON {table}")
    op.execute("DROP FUNCTION IF EXISTS partnership_notifies()")
