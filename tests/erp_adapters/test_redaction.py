"""Masking secrets and e-mail addresses in adapter messages."""

from __future__ import annotations

from erp_adapters.redaction import Redactor, secret_values


def test_secret_values_are_secret_options_and_passwords_inside_values() -> None:
    # given
    options = {
        "url": "mssql://erplink:Pa55@erp.internal/NAV",
        "password": "abc",
        "api_key": "k-123",
        "dsn": "Server=erp;Uid=erplink;Pwd=Odbc-pw;",
        "accounts": "/srv/export/accounts.csv",
        "port": "1433",
        "token": "",
    }

    # when
    secrets = secret_values(options)

    # then
    assert secrets == frozenset({"Pa55", "abc", "k-123", "Odbc-pw"})


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
        "cannot open mssql://erplink:***@erp.internal/NAV (password ***) while "
        "looking up ***@acme-industrial.de"
    )


def test_without_secrets_addresses_and_url_passwords_are_masked() -> None:
    # when
    text = Redactor()(
        "no contact o'brien@example.co.uk in 2 files at https://u:pw1@erp/api"
    )

    # then
    assert text == "no contact ***@example.co.uk in 2 files at https://u:***@erp/api"
