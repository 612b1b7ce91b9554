"""A sandbox Saleor store for erplink's demo and tests.

A real HTTP server that behaves like Saleor where erplink depends on it: the
GraphQL API (a strict subset of Saleor's schema), the JWKS, app installation and
signed webhook delivery with Saleor's retry rules.

Example::

    sandbox = SandboxSaleor(retry_schedule_s=(0.05, 0.1))
    await sandbox.start()
    app = await sandbox.install_app("http://127.0.0.1:9000/api/manifest")
    user_id = await sandbox.register("ann@example.com", "secret-pass")
    await sandbox.wait_idle()
    await sandbox.stop()
"""

from connector.sandbox.delivery import Attempt, Delivery
from connector.sandbox.errors import AppInstallError, SandboxError, SandboxRequestError
from connector.sandbox.keys import SigningKey, rsa_thumbprint
from connector.sandbox.sandbox import SandboxSaleor, main
from connector.sandbox.state import App

__all__ = [
    "App",
    "AppInstallError",
    "Attempt",
    "Delivery",
    "SandboxError",
    "SandboxRequestError",
    "SandboxSaleor",
    "SigningKey",
    "main",
    "rsa_thumbprint",
]
