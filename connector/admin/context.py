"""Who is asking: each admin API request carries an API key or a dashboard token.

`Authorization: Bearer <key or token>`. An API key starts with `erpl_`; anything
else is taken for a Saleor dashboard token. A request without either, or with one
that does not verify, is refused with code `unauthenticated`, and the attempt is
recorded in `access_denied` like every other refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from starlette.requests import Request

from connector.apikeys import KEY_PREFIX
from connector.errors import ErplinkError, SignatureError
from connector.review import NotAllowedError
from connector.reviewer import Action, Reviewer, Role
from connector.services import Services
from connector.store.links import Actor, Link

ANONYMOUS = Actor("anonymous")


class UnauthenticatedError(ErplinkError):
    """No credentials, or credentials that do not verify."""

    code = "unauthenticated"


@dataclass
class AdminContext:
    """One request's services and the person behind it, resolved once."""

    services: Services
    authorization: str
    _reviewer: Reviewer | None = field(default=None, init=False)

    async def reviewer(self) -> Reviewer:
        """The authenticated person.

        Raises:
            UnauthenticatedError: no or bad credentials (the attempt is recorded).
        """
        if self._reviewer is None:
            self._reviewer = await self._authenticate()
        return self._reviewer

    async def allowed(self, action: Action, link: Link | None = None) -> Reviewer:
        """The person, if they may do `action` (to `link`).

        Raises:
            UnauthenticatedError: no or bad credentials.
            NotAllowedError: the role (or, for a rep, the account) does not allow it.
        """
        reviewer = await self.reviewer()
        await self.services.review.authorize(reviewer, action, link)
        return reviewer

    async def visible(self, link: Link) -> bool:
        """Whether the caller may see `link` (a rep: only their accounts)."""
        reviewer = await self.reviewer()
        if reviewer.role is not Role.SALES_REP:
            return True
        accounts = await self.services.review.accounts_of(link)
        return any(a.salesperson == reviewer.rep_code for a in accounts)

    async def _authenticate(self) -> Reviewer:
        scheme, _, credential = self.authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            await self._refuse("no credentials: send Authorization: Bearer <key>")
        credential = credential.strip()
        if credential.startswith(KEY_PREFIX):
            found = await self.services.api_keys.reviewer(credential)
            if found is None:
                await self._refuse("the API key is unknown or revoked")
            return found
        try:
            return await self.services.dashboard_tokens.reviewer(credential)
        except SignatureError as exc:
            if exc.code == "forbidden":
                await self._record(exc.code, exc.message)
                raise NotAllowedError(exc.message) from exc
            await self._refuse(exc.message)

    async def _refuse(self, why: str) -> NoReturn:
        await self._record(UnauthenticatedError.code, why)
        raise UnauthenticatedError(why)

    async def _record(self, code: str, why: str) -> None:
        reviews = self.services.review.reviews
        await reviews.deny(ANONYMOUS, "authenticate", None, code, why)


def context_for(request: Request) -> AdminContext:
    """The context of one admin API request."""
    services: Services = request.app.state.services
    return AdminContext(services, request.headers.get("authorization", ""))
