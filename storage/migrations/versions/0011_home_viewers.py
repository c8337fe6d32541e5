"""home viewers: who has opened the Home tab, so only their Home is refreshed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewer",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("first_opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("home_viewer")
