"""`erplink digest`: the links waiting for an admin, listed or mailed now."""

from __future__ import annotations

import asyncio

import click

from connector.errors import ErplinkError
from connector.mail.digest import digest_message, waiting_for_admin
from connector.mail.smtp import mail_enabled, send_mail
from connector.services import open_services
from connector.settings import Settings
from connector.store.links import Link


@click.command()
@click.option("--send", is_flag=True, help="Mail it to ERPLINK_ADMIN_EMAILS now.")
def digest(send: bool) -> None:
    """List the links that wait for an admin; --send mails the digest now."""
    settings = Settings()
    if send:
        _check_mail_settings(settings)
    try:
        waiting = asyncio.run(_digest(settings, send=send))
    except ErplinkError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from exc

    for link in waiting:
        click.echo(
            f"link {link.id}  {link.email}  account={link.account_number or '-'}  "
            f"{link.reason}"
        )
    if not waiting:
        click.echo("nothing waits for an admin" + (": no mail sent" if send else ""))
    elif send:
        click.echo(f"digest of {len(waiting)} link(s) sent to {_admins(settings)}")


def _check_mail_settings(settings: Settings) -> None:
    if not mail_enabled(settings):
        raise click.UsageError("set ERPLINK_SMTP_HOST (and port) to send mail")
    if not settings.admin_emails:
        raise click.UsageError(
            "set ERPLINK_ADMIN_EMAILS, a JSON list: '[\"admin@example.com\"]'"
        )


async def _digest(settings: Settings, *, send: bool) -> list[Link]:
    services = await open_services(settings)
    try:
        waiting = await waiting_for_admin(services.links)
        if send and waiting:
            await send_mail(digest_message(waiting, settings), settings)
    finally:
        await services.aclose()
    return waiting


def _admins(settings: Settings) -> str:
    count = len(settings.admin_emails)
    return f"{count} admin address{'es' if count != 1 else ''}"
