"""Pre-signed CUSTOMER_CREATED bodies for the intake benchmark.

Every body names a user of its own, so erplink stores each request as a new event
(the same bytes again would be a redelivery, deduplicated). They are signed with the
sandbox's key beforehand: signing is Saleor's cost, not erplink's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from connector.sandbox.state import to_global_id

# User pks of generated bodies start here, far above the sandbox's own users.
FIRST_USER_PK = 10_000_000

Signer = Callable[[bytes], str]


def customer_created(user_pk: int, issued_at: str) -> bytes:
    """The body Saleor sends for a new, confirmed customer, as plain `json.dumps`."""
    user = {
        "id": to_global_id("User", user_pk),
        "email": f"bench-{user_pk}@bench.example",
        "isActive": True,
        "isConfirmed": True,
        "metadata": [],
        "privateMetadata": [],
        "defaultBillingAddress": None,
    }
    event = {
        "__typename": "CustomerCreated",
        "issuedAt": issued_at,
        "version": "3.24.0-a.0",
        "issuingPrincipal": None,
        "user": user,
    }
    return json.dumps(event).encode()


def write_signed_bodies(path: Path, sign: Signer, first: int, count: int) -> Path:
    """Write `count` bodies, one `<signature>\\t<body>` line each, to `path`.

    Args:
        path: the data file the wrk script reads.
        sign: the sandbox's signer (`SandboxSaleor.sign`).
        first: index of the first body; ranges that do not overlap never repeat.
        count: how many bodies.
    """
    issued_at = datetime.now(UTC).isoformat()
    with path.open("w", encoding="utf-8") as out:
        for index in range(first, first + count):
            body = customer_created(FIRST_USER_PK + index, issued_at)
            out.write(f"{sign(body)}\t{body.decode()}\n")
    return path
