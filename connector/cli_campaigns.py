"""`erplink invites create` and `erplink report`: the campaign commands."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, CampaignResult, create_campaign
from connector.campaigns.periods import parse_period
from connector.campaigns.tokens import InviteSource, invite_key
from connector.cli_running import run_command
from connector.errors import ConfigurationError
from connector.services import Services, open_services
from connector.settings import Settings
from connector.store.clock import now
from connector.store.database import sessionmaker
from connector.store.installations import Installation

T = TypeVar("T")


@click.group()
def invites() -> None:
    """Issue registration invites: personal links and QR codes."""


@invites.command("create")
@click.option("--campaign", required=True, help="The campaign's name.")
@click.option(
    "--active-within",
    default=None,
    help="Only accounts with an ERP order within this period (e.g. 12m).",
)
@click.option("--rep", default="", help="Only this sales rep's accounts.")
@click.option(
    "--source",
    type=click.Choice([s.value for s in InviteSource]),
    default=InviteSource.EMAIL.value,
    show_default=True,
    help="How the personal links reach people (QR codes are always invoice_qr).",
)
@click.option("--expires", default="90d", show_default=True, help="e.g. 30d, 6m.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for invites.csv and qr/.",
)
@click.option("--link-template", default="", help="Overrides the setting.")
@click.option("--installation", default="", help="Saleor API URL, if several.")
def invites_create(
    campaign: str,
    active_within: str | None,
    rep: str,
    source: str,
    expires: str,
    out: Path,
    link_template: str,
    installation: str,
) -> None:
    """Write a mail-merge CSV and one QR code per account; reruns are safe."""
    settings = Settings()
    try:
        request = CampaignRequest(
            name=campaign,
            out=out,
            link_template=link_template or settings.invite_link_template,
            source=InviteSource(source),
            rep=rep,
            active_within=(
                parse_period(active_within, option="--active-within")
                if active_within
                else None
            ),
            expires=parse_period(expires, option="--expires"),
        )
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from exc
    result: CampaignResult = run_command(_create(settings, request, installation))
    click.echo(
        f"{result.invites} invites for {result.accounts} accounts and "
        f"{result.contacts} contacts; {result.qr_written} QR codes written"
    )
    click.echo(f"mail merge: {result.mail_merge}\nQR codes:   {result.qr_folder}")


async def _create(
    settings: Settings, request: CampaignRequest, api_url: str
) -> CampaignResult:
    services = await open_services(settings)
    try:
        installation = await choose_installation(services, api_url)
        return await create_campaign(
            request,
            installation=installation,
            adapter=services.adapter,
            store=InviteStore(sessionmaker(services.engine)),
            key=invite_key(settings.resolved_secret()),
            today=now().date(),
            progress=_progress_bar,
        )
    finally:
        await services.aclose()


async def choose_installation(services: Services, api_url: str) -> Installation:
    """The named installation, or the only one.

    Raises:
        ConfigurationError: none installed, none by that URL, or several and none
            named.
    """
    installations = await services.installations.all()
    if api_url:
        found = [i for i in installations if i.api_url == api_url]
        if not found:
            raise ConfigurationError(f"no installation has the API URL {api_url}")
        return found[0]
    if len(installations) != 1:
        known = ", ".join(i.api_url for i in installations) or "none"
        raise ConfigurationError(
            f"name the store with --installation; installed: {known}"
        )
    return installations[0]


def _progress_bar(stage: str, total: int) -> Callable[[int], None]:
    """A click progress bar on stderr, closed when the stage is done."""
    stream = sys.stderr
    bar = click.progressbar(length=total, label=f"{stage:<9}", file=stream)
    bar.render_progress()
    done = 0
    if total == 0:
        bar.render_finish()

    def advance(steps: int) -> None:
        nonlocal done
        done += steps
        bar.update(steps)
        if done >= total:
            bar.render_finish()

    return advance


@click.command()
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also draw the funnel into this .svg or .png file.",
)
@click.option(
    "--refresh/--no-refresh",
    default=False,
    help="Read customers' last logins from Saleor first.",
)
def report(chart: Path | None, refresh: bool) -> None:
    """The adoption funnel against its goals, and attribution per campaign and rep."""
    text, drawn = run_command(_report(Settings(), chart, refresh))
    click.echo(text)
    if drawn is not None:
        click.echo(f"\nchart: {drawn}")


async def _report(
    settings: Settings, chart: Path | None, refresh: bool
) -> tuple[str, Path | None]:
    from connector.campaigns.figures import adoption_funnel, campaign_attribution
    from connector.campaigns.logins import refresh_logins
    from connector.campaigns.report import render_report, write_chart

    services = await open_services(settings)
    try:
        if refresh:
            await refresh_logins(
                services.installations, services.saleor, services.activity
            )
        funnel = await adoption_funnel(services)
        text = render_report(funnel, await campaign_attribution(services))
    finally:
        await services.aclose()
    drawn = await asyncio.to_thread(write_chart, funnel, chart) if chart else None
    return text, drawn
