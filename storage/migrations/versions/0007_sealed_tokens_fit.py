"""sealed tokens fit: token columns become text

Encrypted, a rotating token (xoxe.xoxb-…, about 150 characters) is about 290 characters,
more than slack_sdk's VARCHAR(200); PostgreSQL refused such an install.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for table, columns in TOKEN_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=new, existing_type=old, existing_nullable=True)


def upgrade() -> None:
    _retype(sa.String(length=200), sa.Text())


def downgrade() -> None:
    _retype(sa.Text(), sa.String(length=200))
