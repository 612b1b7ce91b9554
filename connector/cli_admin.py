"""CLI commands for admins and support: API keys, the admin schema, and looking up,
resyncing and relinking customers from a terminal.

Whoever runs these commands has the store's credentials already; their actions are
audited as support, named `cli:<login>`.
"""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from connector.apikeys import ApiKey
from connector.cli_running import run_command
from connector.errors import ErplinkError
from connector.reviewer import Reviewer, Role
from connector.services import Services, open_services
from connector.settings import ROOT, Settings
from connector.store.links import Link
from connector.support_view import render_customer

T = TypeVar("T")
SCHEMA_FILE = ROOT / "graphql" / "admin.graphql"


def _with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    async def run() -> T:
        services = await open_services(Settings())
        try:
            return await work(services)
        finally:
            await services.aclose()

    return run_command(run())


def cli_reviewer() -> Reviewer:
    """The person at the terminal, as the audit names them."""
    return Reviewer(Role.SUPPORT, f"cli:{getpass.getuser()}")


@click.group()
def apikey() -> None:
    """Create, list and revoke admin API keys."""


@apikey.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True, help="Who holds the key (for the audit).")
@click.option("--rep", "rep_code", default="", help="ERP salesperson code of a rep.")
def apikey_create(role: str, name: str, rep_code: str) -> None:
    """Create a key; it is printed once and cannot be shown again."""
    key = _with_services(lambda s: s.api_keys.create(Role(role), name, rep_code))
    click.echo(key)
    click.echo("Store it now: erplink keeps only a keyed hash of it.", err=True)


@apikey.command("list")
def apikey_list() -> None:
    """List keys (never the keys themselves)."""
    keys = _with_services(lambda s: s.api_keys.list())
    for key in keys:
        click.echo(_key_line(key))
    if not keys:
        click.echo("no API keys")


@apikey.command("revoke")
@click.argument("key_id", type=int)
def apikey_revoke(key_id: int) -> None:
    """Revoke a key by its id (see `apikey list`)."""
    key = _with_services(lambda s: s.api_keys.revoke(key_id))
    click.echo(f"revoked {_key_line(key)}")


def _key_line(key: ApiKey) -> str:
    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
    rep = f" rep={key.rep_code}" if key.rep_code else ""
    return f"#{key.id}  {key.prefix}...  {key.role:<9} {key.name}{rep}  {state}"


@click.command("admin-schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SCHEMA_FILE,
    show_default="graphql/admin.graphql",
)
def admin_schema(output: Path) -> None:
    """Write the admin API's schema (SDL); a test fails when it drifts."""
    from connector.admin.schema import schema

    output.write_text(schema.as_str() + "\n", encoding="utf-8")
    click.echo(f"wrote {output}")


@click.command()
@click.argument("email")
def show(email: str) -> None:
    """Show a customer's link: state, reason, account and the whole history."""

    async def look(services: Services) -> str:
        links = await services.links.find_by_email(email)
        if not links:
            raise ErplinkError("erplink has never seen this e-mail", code="not_found")
        parts = [
            render_customer(link, await services.links.history(link.id))
            for link in links
        ]
        return "\n\n".join(parts)

    click.echo(_with_services(look))


@click.command()
@click.argument("email", required=False)
@click.option("--all", "every", is_flag=True, help="Every linked customer.")
def resync(email: str | None, every: bool) -> None:
    """Read ERP and Saleor again for a customer (or all linked) and repair drift."""
    if bool(email) == every:
        raise click.UsageError("name an EMAIL, or pass --all")
    if every:
        _resync_all()
        return

    async def one(services: Services) -> list[str]:
        done = []
        for link in await _links_of(services, email or ""):
            saved = await services.review.resync(link.id, cli_reviewer())
            done.append(f"#{saved.id}  {saved.state.value}  {saved.reason}")
        return done

    click.echo("\n".join(_with_services(one)))


def _resync_all() -> None:
    from connector.bulk import create_resync_all, run_resync_all

    async def every(services: Services) -> str:
        reviewer = cli_reviewer()
        job = await create_resync_all(services, reviewer)
        with click.progressbar(length=job.total, label="resync") as bar:
            job = await run_resync_all(services, reviewer, job, bar.update)
        return f"job #{job.id} {job.status}: {job.done} resynced, {job.failed} failed"

    click.echo(_with_services(every))


@click.command()
@click.argument("email")
@click.argument("account")
@click.option("--reason", required=True, help="Why (kept in the audit).")
def relink(email: str, account: str, reason: str) -> None:
    """Link a customer to the ERP ACCOUNT support names."""

    async def move(services: Services) -> list[str]:
        done = []
        for link in await _links_of(services, email):
            saved = await services.review.relink(
                link.id, cli_reviewer(), account=account, reason=reason
            )
            done.append(f"#{saved.id}  {saved.state.value}  {saved.reason}")
        return done

    click.echo("\n".join(_with_services(move)))


async def _links_of(services: Services, email: str) -> list[Link]:
    links = await services.links.find_by_email(email)
    if not links:
        raise ErplinkError("erplink has never seen this e-mail", code="not_found")
    return links


COMMANDS = (apikey, admin_schema, show, resync, relink)
