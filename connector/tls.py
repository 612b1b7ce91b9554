"""The TLS context of erplink's outgoing HTTPS: to Saleor, its JWKS, the SOAP ERP.

Building a verifying context loads the whole CA bundle, tens of milliseconds each
time; every client shares this one instead (contexts are safe to share between
clients that only connect out).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def client_tls() -> ssl.SSLContext:
    """One verifying client context, built on first use, as httpx builds its own."""
    return httpx.create_ssl_context()
