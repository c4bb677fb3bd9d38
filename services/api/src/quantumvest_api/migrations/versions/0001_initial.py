"""Initial schema: portfolios, holdings, transactions, price history.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(24, 8)


def upgrade() -> None:
    op.create_table(
        "portfolios",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "holdings",
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("symbol", sa.String(16), primary_key=True),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("quantity >= 0", name="ck_holdings_quantity_not_negative"),
    )
    # Price ingestion bumps the revision of every portfolio holding the symbol: find them by symbol.
    op.create_index("ix_holdings_symbol", "holdings", ["symbol"])
    op.create_table(
        "transactions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("price", AMOUNT, nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("side IN ('buy', 'sell')", name="ck_transactions_side"),
        sa.CheckConstraint("quantity > 0", name="ck_transactions_quantity_positive"),
        sa.CheckConstraint("price >= 0", name="ck_transactions_price_not_negative"),
        sa.UniqueConstraint("portfolio_id", "idempotency_key", name="uq_transactions_idempotency_key"),
    )
    op.create_index("ix_transactions_portfolio_id", "transactions", ["portfolio_id", "executed_at"])
    op.create_table(
        "price_history",
        sa.Column("symbol", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("close", AMOUNT, nullable=False),
        sa.CheckConstraint("close > 0", name="ck_price_history_close_positive"),
    )


def downgrade() -> None:
    op.drop_table("price_history")
    op.drop_index("ix_transactions_portfolio_id", table_name="transactions")
    op.drop_table("transactions")
    op.drop_index("ix_holdings_symbol", table_name="holdings")
    op.drop_table("holdings")
    op.drop_table("portfolios")
