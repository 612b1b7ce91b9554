"""The admin digest: one mail listing every link that waits for an admin.

The worker queues one digest per period (`digest_interval_s`), keyed by the period's
number, so that several workers send it once, as soon as something waits in that
period; `erplink digest --send` sends one now. Nothing waiting means no mail. A digest
lists at most 500 links (the oldest); the admin API has all of them.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from connector.linking.model import LinkState
from connector.mail.rendering import render
from connector.settings import Settings
from connector.store.links import Link, LinkStore

REASONS = {
    "credit_limit_over_threshold": "credit limit above the policy's threshold",
    "price_list_unmapped": "price list without a customer type",
    "customer_type_missing": "customer type missing in the store",
}
CLI_HINT = "erplink show <customer e-mail>"


def digest_period(moment: datetime, interval_s: float) -> int:
    """The number of the digest period `moment` falls in."""
    return int(moment.timestamp() // max(interval_s, 1.0))


async def waiting_for_admin(links: LinkStore, limit: int = 500) -> list[Link]:
    """The links an admin has to decide, oldest first, at most `limit`."""
    return await links.in_state(LinkState.AWAITING_ADMIN, limit=limit)


def digest_message(waiting: list[Link], settings: Settings) -> EmailMessage:
    """The digest mail to every admin address, with text and HTML parts."""
    context = {
        "links": waiting,
        "reasons": REASONS,
        "admin_url": f"{settings.public_url.rstrip('/')}/graphql",
        "cli_hint": CLI_HINT,
    }
    message = EmailMessage()
    message["Subject"] = f"erplink: {len(waiting)} link(s) wait for an admin"
    message["From"] = settings.mail_from
    message["To"] = ", ".join(settings.admin_emails)
    message.set_content(render("digest.txt", **context))
    message.add_alternative(render("digest.html", **context), subtype="html")
    return message
