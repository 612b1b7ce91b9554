"""The one TLS context of erplink's outgoing HTTPS: verifying, and shared."""

from __future__ import annotations

import ssl

from connector.tls import client_tls


def test_the_shared_context_verifies_certificates_and_host_names() -> None:
    tls = client_tls()

    assert tls.verify_mode is ssl.CERT_REQUIRED
    assert tls.check_hostname
    assert tls.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded
    assert client_tls() is tls
