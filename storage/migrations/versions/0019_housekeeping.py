"""housekeeping: which replica runs the daily job, and workspaces that uninstalled

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "housekeeping_run",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("last_run_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job"),
    )
    op.create_table(
        "workspace_uninstall",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("uninstalled_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("workspace_uninstall")
    op.drop_table("housekeeping_run")
