"""`POST /api/register`: Saleor hands over the app token at installation.

The token is proven genuine before anything is stored (`{ app { id } }` must name
an app), the store's JWKS is fetched for webhook signatures, and the installation
is kept keyed by its API URL, the token encrypted. Any failure answers with the
protocol's error shape, and Saleor removes the half-installed app.
"""

from __future__ import annotations

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.errors import ErplinkError
from connector.saleor.client import SaleorClient
from connector.services import Services
from webhooks.jwks import fetch_jwks
from webhooks.responses import error_reply

log = structlog.get_logger(__name__)


async def register(request: Request) -> Response:
    """Store a new installation after proving its token."""
    services: Services = request.app.state.services
    api_url = request.headers.get("saleor-api-url", "").strip()
    token = await _auth_token(request)
    if not api_url:
        return error_reply(
            400, "MISSING_SALEOR_API_URL", "Saleor-Api-Url header missing"
        )
    if not token:
        return error_reply(
            400, "MISSING_AUTH_TOKEN", "auth_token missing from the body"
        )
    allowed = services.settings.allowed_saleor_urls
    if allowed and api_url not in allowed:
        log.warning("register.prohibited", api_url=api_url)
        return error_reply(
            403, "SALEOR_URL_PROHIBITED", "this Saleor may not install erplink"
        )

    client = _probe_client(api_url, token)
    try:
        app_id = await client.app_id()
        jwks = await fetch_jwks(api_url)
    except (ErplinkError, OSError, ValueError) as exc:
        log.warning(
            "register.saleor_unreachable", api_url=api_url, error=type(exc).__name__
        )
        return error_reply(400, "SALEOR_UNREACHABLE", "erplink could not reach Saleor")
    finally:
        await client.aclose()
    if app_id is None:
        log.warning("register.token_rejected", api_url=api_url)
        return error_reply(401, "INVALID_TOKEN", "Saleor does not know this app token")

    domain = request.headers.get("saleor-domain", "")
    await services.installations.save(api_url, app_id, domain, token, jwks)
    services.saleor.forget(api_url)
    await services.check_customer_types()
    log.info("register.installed", api_url=api_url, app_id=app_id)
    return JSONResponse({"success": True})


async def _auth_token(request: Request) -> str:
    try:
        body = await request.json()
    except ValueError:
        return ""
    token = body.get("auth_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""


def _probe_client(api_url: str, token: str) -> SaleorClient:
    return SaleorClient(api_url, token, retries=1)
