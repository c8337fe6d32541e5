"""partnership nation and repeating deadlines: whose bank holidays its reminders keep
off, and a deadline that comes every month, quarter or year

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every partnership so far is in England or Wales unless it says otherwise. Not batch
    # mode: on SQLite it rebuilds the table, and dropping the old one with foreign keys on
    # deletes every child row (ON DELETE CASCADE); a column is added in place.
    op.add_column(
        "partnership",
        sa.Column(
            "nation",
            sqlmodel.sql.sqltypes.AutoString(length=24),
            nullable=False,
            server_default="england-and-wales",
        ),
    )
    op.add_column(
        "deadline",
        sa.Column("repeats", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE deadline DROP COLUMN repeats")
    op.execute("ALTER TABLE partnership DROP COLUMN nation")  # in place, as 0008 does
