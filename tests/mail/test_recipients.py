"""Who gets a rep mail and which buttons it has (pure logic over an in-memory ERP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from connector.linking.model import Account, Contact, LinkState
from connector.mail.rep_mail import rep_requests
from connector.mail.tokens import Action, TokenSigner
from connector.store.links import Link
from erp_adapters.base import Health

PUBLIC_URL = "https://erplink.example"


class MemoryErp:
    """Only `account_by_number` is asked by the code under test."""

    name = "memory"

    def __init__(self, *accounts: Account) -> None:
        self._accounts = {a.number: a for a in accounts}

    async def account_by_number(self, number: str) -> Account | None:
        return self._accounts.get(number)

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        return []

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        return None

    async def contacts(self) -> AsyncIterator[Contact]:
        none: tuple[Contact, ...] = ()  # the code under test asks for accounts only
        for contact in none:
            yield contact

    async def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[Account]:
        for account in self._accounts.values():
            yield account

    async def health(self) -> Health:
        return Health(True, len(self._accounts), "memory")

    async def close(self) -> None:
        return None


def account(number: str, rep: str, email: str) -> Account:
    return Account(
        number,
        f"Firm {number}",
        salesperson=rep,
        salesperson_email=email,
        post_code="1",
    )


def waiting(*numbers: str) -> Link:
    return Link(
        id=5,
        installation_id=1,
        user_id="VXNlcjo1",
        email="buyer@firm.de",
        state=LinkState.AWAITING_REP,
        reason="ambiguous_domain",
        candidates=[
            {"account": n, "name": f"stored {n}", "strategy": "email_domain"}
            for n in numbers
        ],
        version=4,
    )


SIGNER = TokenSigner("test-secret", timedelta(days=7))


def tokens(urls: list[str]) -> list[tuple[Action, str]]:
    verified = [SIGNER.verify(u.rsplit("/", 1)[1]) for u in urls]
    return [(t.action, t.account) for t in verified]


async def test_a_rep_owning_two_candidates_gets_a_confirm_button_for_each() -> None:
    erp = MemoryErp(
        account("1", "MH", "mh@firm.example"), account("2", "MH", "mh@firm.example")
    )

    requests = await rep_requests(waiting("1", "2"), erp, SIGNER, PUBLIC_URL)

    assert [(r.rep_code, r.address) for r in requests] == [("MH", "mh@firm.example")]
    confirms = [c.confirm_url for c in requests[0].candidates]
    assert all(u.startswith(f"{PUBLIC_URL}/review/") for u in confirms)
    assert tokens(confirms) == [(Action.CONFIRM, "1"), (Action.CONFIRM, "2")]
    assert tokens([requests[0].reject_url]) == [(Action.REJECT, "")]


async def test_a_candidate_without_a_rep_e_mail_gets_no_mail_but_is_shown() -> None:
    erp = MemoryErp(account("1", "MH", "mh@firm.example"), account("2", "XX", ""))

    requests = await rep_requests(waiting("1", "2", "3"), erp, SIGNER, PUBLIC_URL)

    assert [r.rep_code for r in requests] == ["MH"]
    shown = [(c.number, c.name, bool(c.confirm_url)) for c in requests[0].candidates]
    assert shown == [
        ("1", "Firm 1", True),
        ("2", "Firm 2", False),
        ("3", "stored 3", False),
    ]


async def test_nobody_to_mail_gives_no_request() -> None:
    erp = MemoryErp(account("2", "", ""))

    assert await rep_requests(waiting("2"), erp, SIGNER, PUBLIC_URL) == []
