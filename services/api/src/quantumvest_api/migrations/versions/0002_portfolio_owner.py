"""Portfolios belong to the caller who created them.

Compatible with 0001's API: the column has a server default, so an older version still inserting
without an owner keeps working during a rollout; its rows belong to no caller (owner '').

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("portfolios", sa.Column("owner", sa.String(255), nullable=False, server_default=""))
    # Every list is one owner's, newest last: the index serves the filter and the order.
    op.create_index("ix_portfolios_owner_created", "portfolios", ["owner", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_portfolios_owner_created", table_name="portfolios")
    op.drop_column("portfolios", "owner")
