"""Masking secrets and e-mail addresses in adapter messages."""

from __future__ import annotations

from erp_adapters.redaction import Redactor, secret_values


def test_secret_values_take_long_values_secret_keys_and_url_passwords() -> None:
    # given
    options = {
        "url": "mssql://erplink:Pa55@erp.internal/NAV",
        "password": "abc",
        "port": "1433",
        "pool": "4",
        "company": "",
    }

    # when
    secrets = secret_values(options)

    # then
    assert secrets == frozenset(
        {"mssql://erplink:Pa55@erp.internal/NAV", "Pa55", "abc", "1433"}
    )


def test_the_redactor_masks_secrets_whole_and_e_mail_local_parts() -> None:
    # given
    redact = Redactor(secret_values({"url": "mssql://erplink:Pa55@erp.internal/NAV"}))

    # when
    text = redact(
        "cannot open mssql://erplink:Pa55@erp.internal/NAV (password Pa55) "
        "while looking up anna.schmidt@acme-industrial.de"
    )

    # then
    assert text == (
        "cannot open *** (password ***) while looking up ***@acme-industrial.de"
    )


def test_without_secrets_only_addresses_are_masked() -> None:
    # when
    text = Redactor()("no contact o'brien@example.co.uk in 2 files")

    # then
    assert text == "no contact ***@example.co.uk in 2 files"
