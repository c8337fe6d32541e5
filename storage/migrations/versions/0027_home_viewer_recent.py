"""home_viewer.last_opened_at: when someone last opened the Home tab, so that a
reminder's refresh goes to the partnership's recent viewers only

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home_viewer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_opened_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # What is known of those who opened it before: the first time.
    op.execute("UPDATE home_viewer SET last_opened_at = first_opened_at")
    with op.batch_alter_table("home_viewer", schema=None) as batch_op:
        batch_op.alter_column("last_opened_at", nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("home_viewer", schema=None) as batch_op:
        batch_op.drop_column("last_opened_at")
