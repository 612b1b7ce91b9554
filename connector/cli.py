"""The `erplink` command: serve, work, migrate, inspect the inbox, run the demo."""

from __future__ import annotations

import asyncio
import logging
import signal

import click
import uvicorn

from connector.app import create_app
from connector.cli_adapters import adapters
from connector.cli_admin import COMMANDS
from connector.cli_campaigns import invites, report
from connector.cli_mail import digest
from connector.cli_running import run_command
from connector.cli_soap import erp_mock
from connector.logs import configure_logging
from connector.mail.dispatch import run_mail
from connector.policy_sync import follow_policy
from connector.services import open_services
from connector.settings import Settings
from connector.store.database import create_engine, migrate
from connector.store.inbox import InboxStatus
from connector.worker import Worker


def _level(quiet: bool) -> int:
    return logging.WARNING if quiet else logging.INFO


@click.group()
@click.option("--verbose", "-v", is_flag=True, help="Log debug events too.")
@click.pass_context
def main(context: click.Context, verbose: bool) -> None:
    """erplink links B2B web accounts in Saleor to their ERP account."""
    context.obj = {"verbose": verbose}
    # Servers log every event; one-shot commands only what needs attention.
    quiet = context.invoked_subcommand not in {"serve", "worker"}
    configure_logging(level=logging.DEBUG if verbose else _level(quiet))


WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # bound on every address


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Only answer HTTP; run workers apart.")
def serve(host: str, port: int, no_worker: bool) -> None:
    """Serve Saleor's endpoints (with one worker inside, unless --no-worker).

    Without ERPLINK_PUBLIC_URL the manifest names the address served here.
    """
    settings = Settings()
    derived = "public_url" not in settings.model_fields_set
    if derived:
        settings = settings.with_overrides(public_url=_served_url(host, port))
    if no_worker:
        settings = settings.with_overrides(run_worker=False)
    run_command(_preflight(settings))
    app = create_app(settings, serving=True)
    click.echo(
        f"erplink on http://{host}:{port}  manifest: {settings.public_url}/api/manifest"
    )
    if derived and host in WILDCARD_HOSTS:
        click.echo("set ERPLINK_PUBLIC_URL to the address Saleor reaches erplink at")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _served_url(host: str, port: int) -> str:
    """http://host:port, with a wildcard host read as this machine."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _preflight(settings: Settings) -> None:
    """Fail before serving, with the message, when the setup cannot work."""
    services = await open_services(settings)
    await services.aclose()


@main.command()
@click.option("--count", default=1, show_default=True, help="Workers in this process.")
def worker(count: int) -> None:
    """Process the inbox (more workers, on any machine, against one PostgreSQL)."""

    async def work() -> None:
        services = await open_services(Settings())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            workers = [Worker(services).run(stop) for _ in range(count)]
            await asyncio.gather(
                *workers, follow_policy(services, stop), run_mail(services, stop)
            )
        finally:
            await services.aclose()

    run_command(work())


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    settings = Settings()

    async def run() -> None:
        engine = create_engine(settings.resolved_database_url())
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    run_command(run())
    click.echo("schema up to date")


@main.group()
def inbox() -> None:
    """Inspect deliveries and retry dead letters."""


@inbox.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in InboxStatus]),
    default=InboxStatus.DEAD.value,
    show_default=True,
)
@click.option("--limit", default=50, show_default=True)
def inbox_list(status: str, limit: int) -> None:
    """List deliveries of one status, newest first."""

    async def run() -> None:
        services = await open_services(Settings())
        try:
            counts = await services.inbox.counts()
            items = await services.inbox.list(InboxStatus(status), limit=limit)
        finally:
            await services.aclose()
        click.echo(
            "  ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "inbox empty"
        )
        for item in items:
            click.echo(
                f"#{item.id}  {item.event:<26} attempts={item.attempts}  "
                f"received={item.received_at:%Y-%m-%d %H:%M:%S}  {item.last_error}"
            )

    run_command(run())


@inbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Retry every dead letter.")
def inbox_retry(ids: tuple[int, ...], every: bool) -> None:
    """Send dead letters back to the queue."""
    if not ids and not every:
        raise click.UsageError("name dead letter ids, or pass --all")

    async def run() -> int:
        services = await open_services(Settings())
        try:
            return await services.inbox.revive(ids)
        finally:
            await services.aclose()

    click.echo(f"{run_command(run())} dead letters queued again")


@main.command()
@click.option("--port", default=8000, show_default=True, help="erplink's port.")
@click.option("--sandbox-port", default=8001, show_default=True)
@click.option("--exit", "exit_after", is_flag=True, help="Stop after the table.")
@click.option(
    "--erp",
    type=click.Choice(["csv", "soap"]),
    default="csv",
    show_default=True,
    help="Read the sample data from CSV files or through the SOAP mock ERP.",
)
def demo(port: int, sandbox_port: int, exit_after: bool, erp: str) -> None:
    """Run erplink beside a sandbox Saleor and register one customer per outcome.

    Only warnings are logged, so that the table stands out; -v logs every event.
    """
    from connector.demo import (
        demo_settings,
        outcome_table,
        register_everyone,
        start_demo,
    )

    async def run() -> None:
        settings = demo_settings(Settings().data_dir / "demo")
        running = await start_demo(
            settings, port=port, sandbox_port=sandbox_port, erp=erp
        )
        try:
            await register_everyone(running)
            click.echo(outcome_table(running))
            settled = len(running.outcomes)
            click.echo(
                f"\n{settled} registrations settled in {running.elapsed_s:.2f} s"
            )
            click.echo(
                f"erplink:        {running.server.url}  (manifest: /api/manifest)"
            )
            click.echo(f"sandbox Saleor: {running.sandbox.api_url}")
            if running.erp_mock is not None:
                click.echo(f"SOAP mock ERP:  {running.erp_mock.url}")
            if not exit_after:
                click.echo("serving; Ctrl-C stops")
                await running.server.task
        finally:
            await running.stop()

    try:
        run_command(run())
    except KeyboardInterrupt:
        click.echo("stopped")


main.add_command(adapters)
main.add_command(erp_mock)
for _command in COMMANDS:  # admin and support commands: connector/cli_admin.py
    main.add_command(_command)
main.add_command(digest)
main.add_command(invites)
main.add_command(report)

if __name__ == "__main__":
    main()
