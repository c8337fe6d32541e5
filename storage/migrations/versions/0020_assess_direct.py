"""assess_run: questionnaires asked in the assignee's direct conversation with the bot,
and reopened after submission

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assess_run", schema=None) as batch_op:
        # Runs before this were all asked in threads.
        batch_op.add_column(
            sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("dm_channel_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("dm_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("reopened_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            "uq_assess_run_direct", ["team_id", "dm_channel_id", "dm_ts"]
        )


def downgrade() -> None:
    with op.batch_alter_table("assess_run", schema=None) as batch_op:
        batch_op.drop_constraint("uq_assess_run_direct", type_="unique")
        batch_op.drop_column("reopened_at")
        batch_op.drop_column("dm_ts")
        batch_op.drop_column("dm_channel_id")
        batch_op.drop_column("direct")
