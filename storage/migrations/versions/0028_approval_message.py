"""budget_approval.channel_id, message_ts: the channel message the bot posted for a
sign-off request, so that a decision typed as a command updates it in place (chat.update)
as the buttons on it do

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: requests from before this were posted as a command's reply, whose
    # message the bot cannot address, and a post can fail (the bot not in the channel).
    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budget_approval", schema=None) as batch_op:
        batch_op.drop_column("message_ts")
        batch_op.drop_column("channel_id")
