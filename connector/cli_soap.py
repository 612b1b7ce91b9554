"""`erplink erp-mock`: the SOAP mock ERP (NAV page services) on a port of your own."""

from __future__ import annotations

from pathlib import Path

import click
import uvicorn

from erp_adapters.base import ErpError
from erp_adapters.soap.mock.server import COMPANY, INSTANCE, build_mock
from erp_adapters.soap.mock.switches import Reply, Switches


@click.command("erp-mock")
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accounts CSV, in the format the csv adapter reads.",
)
@click.option(
    "--contacts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Contacts CSV (contact no., account no., name, e-mail).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7047, show_default=True, type=int)
@click.option("--username", default="erplink", show_default=True)
@click.option(
    "--password",
    envvar="ERPLINK_ERP_MOCK_PASSWORD",
    required=True,
    help="The user's password; better set ERPLINK_ERP_MOCK_PASSWORD.",
)
@click.option("--latency-ms", default=0.0, show_default=True, type=float)
@click.option("--fault-rate", default=0.0, show_default=True, type=float)
@click.option("--outage", is_flag=True, help="Answer every call with HTTP 503.")
@click.option(
    "--reply",
    type=click.Choice([r.value for r in Reply]),
    default=Reply.NORMAL.value,
    show_default=True,
    help="Replace every answer with a broken one.",
)
def erp_mock(
    data: Path,
    contacts: Path | None,
    host: str,
    port: int,
    username: str,
    password: str,
    latency_ms: float,
    fault_rate: float,
    outage: bool,
    reply: str,
) -> None:
    """Serve a mock Dynamics NAV (Customer and Contact page services) over CSV data.

    Switches can be changed while it runs: POST a JSON object such as
    {"latency_s": 0.05, "fault_rate": 0.1, "outage": false, "reply": "normal"}
    to /_mock/switches (with the same login).
    """
    switches = Switches()
    try:
        switches.update({"latency_s": latency_ms / 1000, "fault_rate": fault_rate,
                         "outage": outage, "reply": reply})  # fmt: skip
        mock = build_mock(
            data, contacts, username=username, password=password, switches=switches
        )
    except (ValueError, ErpError) as exc:
        raise click.ClickException(str(exc)) from exc

    root = f"http://{host}:{port}/{INSTANCE}/WS/{COMPANY}"
    click.echo(f"mock ERP: {root}/Page/Customer and {root}/Page/Contact")
    click.echo(f"login: user {username} with the password you set")
    uvicorn.run(mock.app, host=host, port=port, log_level="warning", access_log=False)
