"""`erplink adapters list` and `erplink adapters check`: the ERP adapter, for a
merchant setting it up."""

from __future__ import annotations

import asyncio

import click

from connector.adapter_check import CheckReport, check_adapter, describe
from connector.adapter_config import AdapterConfig, adapter_config, open_adapter
from connector.errors import ConfigurationError
from connector.linking.domains import DomainClassifier
from connector.linking.policy import load_policy
from connector.settings import Settings
from erp_adapters.base import ErpError
from erp_adapters.registry import available


@click.group()
def adapters() -> None:
    """The ERP adapter: which are installed, and whether the configured one works."""


@adapters.command("list")
def adapters_list() -> None:
    """The installed adapters; the configured one is marked."""
    try:
        configured = adapter_config(Settings()).name
    except ConfigurationError:
        configured = ""
    for name in available():
        click.echo(f"{name}  (configured)" if name == configured else name)


@adapters.command("check")
def adapters_check() -> None:
    """Whether the configured adapter reaches the ERP and finds a sample account.

    Exits with 1 when it does not, naming what failed.
    """
    settings = Settings()
    try:
        config = adapter_config(settings)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc

    report = asyncio.run(_check(settings, config))
    click.echo(report.render())
    if not report.ok:
        raise SystemExit(1)


async def _check(settings: Settings, config: AdapterConfig) -> CheckReport:
    report = CheckReport(config.name)
    report.add("adapter", f"{config.name} (chosen by {config.source})")
    try:
        domains = DomainClassifier(
            load_policy(settings.policy_file).extra_free_mail_domains
        )
        adapter = open_adapter(settings)
    except ConfigurationError as exc:
        report.fail("configuration", str(exc))
        return report
    except ErpError as exc:
        report.fail("configuration", describe(exc))
        return report

    try:
        return await check_adapter(adapter, domains, report)
    finally:
        await adapter.close()
