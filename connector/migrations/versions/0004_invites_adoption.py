"""invites, customer logins, digital orders

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def _installation() -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return (
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["installation_id"], ["installations.id"]),
    )


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("id", sa.String(length=32), nullable=False),
        *_installation(),
        sa.Column("campaign", sa.String(length=100), nullable=False),
        sa.Column("account_number", sa.String(length=64), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("rep", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_user_id", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_user_id", sa.String(length=200), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invites_campaign", ["installation_id", "campaign"], unique=False
        )

    op.create_table(
        "customer_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        *_installation(),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("login_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "installation_id", "user_id", "login_at", name="uq_customer_logins"
        ),
    )
    op.create_table(
        "digital_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        *_installation(),
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("installation_id", "order_id", name="uq_digital_orders"),
    )


def downgrade() -> None:
    op.drop_table("digital_orders")
    op.drop_table("customer_logins")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index("ix_invites_campaign")

    op.drop_table("invites")
