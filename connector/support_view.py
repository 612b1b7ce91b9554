"""A customer's link as support reads it in a terminal."""

from __future__ import annotations

import json

from connector.store.links import AuditEntry, Link


def render_customer(link: Link, history: list[AuditEntry]) -> str:
    """State, reason, account and history of one link, as plain text."""
    lines = [
        f"{link.email}  (link #{link.id}, Saleor user {link.user_id})",
        f"  state:       {link.state.value}",
        f"  reason:      {link.reason or '-'}",
        f"  account:     {link.account_number or '-'}",
        f"  price list:  {link.price_list or '-'}  -> {link.customer_type or '-'}",
        f"  prices:      {'shown' if link.state.releases_pricing else 'hidden'}",
    ]
    if link.candidates:
        names = ", ".join(
            f"{c['account']} {c.get('name', '')}" for c in link.candidates
        )
        lines.append(f"  candidates:  {names}")
    lines.append("  history:")
    for entry in history:
        lines += _entry(entry)
    if not history:
        lines.append("    (none)")
    return "\n".join(lines)


def _entry(entry: AuditEntry) -> list[str]:
    actor = entry.actor.kind + (f" {entry.actor.name}" if entry.actor.name else "")
    move = (
        entry.to_state
        if entry.from_state == entry.to_state
        else f"{entry.from_state} -> {entry.to_state}"
    )
    head = f"    {entry.at:%Y-%m-%d %H:%M:%S}  {actor:<20} {move:<30} {entry.reason}"
    facts = "  ".join(f"{k}={_value(v)}" for k, v in sorted(entry.evidence.items()))
    return [head.rstrip(), f"        {facts}"] if facts else [head.rstrip()]


def _value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
