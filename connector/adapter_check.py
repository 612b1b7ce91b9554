"""`erplink adapters check`: does the configured ERP adapter work, in plain words.

The check goes through the same guard as the worker (timeout, retries, breaker,
masked messages) and asks what a registration will ask: is the ERP reachable, how
many accounts it sees, and for one sample account (the first the ERP lists) whether
a lookup by its number and by its e-mail domain find it again.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field

from connector.linking.domains import DomainClassifier
from connector.linking.model import Account
from erp_adapters.base import ErpError
from erp_adapters.resilience import ResilientAdapter

# What each failure means to a merchant, by error code.
PLAIN_WORDS = {
    "erp_unauthorized": "the ERP refused the credentials: check the user and "
    "password in the adapter options (ERPLINK_ADAPTER_OPTIONS)",
    "erp_misconfigured": "the adapter's settings point at something that does not "
    "exist",
    "erp_timeout": "the ERP did not answer in time",
    "erp_unavailable": "the ERP cannot be reached",
    "erp_circuit_open": "the ERP failed several times in a row and is paused",
}


@dataclass
class CheckReport:
    """The check's findings, one labelled line each, and whether all went well."""

    adapter: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True

    def add(self, label: str, text: str) -> None:
        """One finding."""
        self.lines.append((label, text))

    def fail(self, label: str, text: str) -> None:
        """A finding that means the adapter does not work."""
        self.add(label, text)
        self.ok = False

    def render(self) -> str:
        """The report as aligned `label: text` lines, ending with the verdict."""
        verdict = (
            f"the {self.adapter} adapter works"
            if self.ok
            else f"the {self.adapter} adapter does not work; "
            "fix what is named above and run the check again"
        )
        rows = [*self.lines, ("result", verdict)]
        width = max(len(label) for label, _ in rows) + 1
        return "\n".join(f"{label + ':':<{width}} {text}" for label, text in rows)


def describe(error: ErpError) -> str:
    """An adapter error in a merchant's words, with its code and (masked) message."""
    words = PLAIN_WORDS.get(error.code, "the adapter failed")
    return f"{words} ({error.code}): {error}"


async def check_adapter(
    adapter: ResilientAdapter, domains: DomainClassifier, report: CheckReport
) -> CheckReport:
    """Run every step into `report`; it stops at the first step that fails."""
    try:
        await _run_steps(adapter, domains, report)
    except ErpError as exc:
        report.fail("failed", describe(exc))
    return report


async def _run_steps(
    adapter: ResilientAdapter, domains: DomainClassifier, report: CheckReport
) -> None:
    health = await adapter.health()
    if not health.ok:
        report.fail("reachable", f"no - {adapter.redact(health.detail)}")
        return
    report.add("reachable", f"yes - {adapter.redact(health.detail)}")
    report.add("accounts", _count(health.accounts))

    sample = await _first_account(adapter)
    if sample is None:
        report.fail("sample", "the ERP lists no accounts, so nobody can be linked")
        return
    report.add("sample", _account_words(sample))
    again = await adapter.account_by_number(sample.number)
    if again is None:
        report.fail("by number", f"{sample.number} is listed but not found by number")
        return
    same = "the same account" if again == sample else "found, with different data"
    report.add("by number", f"{sample.number} found again, {same}")
    await _check_domain(adapter, domains, sample, report)


async def _first_account(adapter: ResilientAdapter) -> Account | None:
    async with aclosing(adapter.accounts_changed_since(None)) as accounts:
        async for account in accounts:
            return account
    return None


async def _check_domain(
    adapter: ResilientAdapter,
    domains: DomainClassifier,
    sample: Account,
    report: CheckReport,
) -> None:
    address = sample.email.split(";")[0].strip()
    if not address:
        report.add("by domain", f"{sample.number} has no e-mail address to try")
        return
    domain = domains.classify(address)
    if not domain.usable:
        report.add(
            "by domain",
            f"{domain.domain or 'the address'} is never used to link "
            f"({domain.verdict.value})",
        )
        return

    found = await adapter.accounts_by_domain(domain.domain)
    numbers = [a.number for a in found]
    if sample.number not in numbers:
        report.fail(
            "by domain",
            f"{domain.domain} does not find {sample.number} (found: "
            f"{', '.join(numbers) or 'nothing'})",
        )
        return
    report.add(
        "by domain", f"{domain.domain} -> {_count(len(numbers))}: {', '.join(numbers)}"
    )


def _count(accounts: int | None) -> str:
    if accounts is None:
        return "the adapter does not say how many accounts it sees"
    return f"{accounts} account" + ("" if accounts == 1 else "s")


def _account_words(account: Account) -> str:
    price_list = account.price_list or "none"
    blocked = ", blocked" if account.is_blocked else ""
    return f"{account.number} {account.name} (price list {price_list}{blocked})"
