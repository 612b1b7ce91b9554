"""inbox: one unique key by installation, subject and payload hash

The key on (installation, payload hash) alone put every new row on a random page
of its index; with the subject before the hash, rows of new customers land side by
side, and the key also serves the lookups by subject that had an index of their own.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inbox_payload", type_="unique")
        batch_op.drop_index("ix_inbox_subject")
        batch_op.create_unique_constraint(
            "uq_inbox_delivery", ["installation_id", "subject", "payload_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inbox_delivery", type_="unique")
        batch_op.create_index(
            "ix_inbox_subject", ["installation_id", "subject"], unique=False
        )
        batch_op.create_unique_constraint(
            "uq_inbox_payload", ["installation_id", "payload_hash"]
        )
