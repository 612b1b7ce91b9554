"""The demo through the SOAP mock ERP: the same outcomes as over the CSV files."""

from __future__ import annotations

from pathlib import Path

from connector.demo import register_everyone, start_demo
from connector.settings import Settings

EXPECTED = {
    "anna.schmidt@acme-industrial.de": ("linked", "10000", "WHOLESALE"),
    "jonas.weber@brandt-metall.de": ("linked", "10010", "RETAIL"),
    "buyer@hansen-gruppe.de": ("awaiting_rep", "", ""),
    "max.mustermann@gmail.com": ("unmatched", "", ""),
    "werkstatt.meyer@gmail.com": ("linked", "0004711", "RETAIL"),
    "l.lindqvist@outlook.com": ("awaiting_rep", "0004712", "EXPORT"),
    "einkauf@grossabnehmer.de": ("awaiting_admin", "10030", "VIP"),
    "bestellung@gesperrt-handel.de": ("rejected", "10040", "WHOLESALE"),
    "ole@fjord-trading.dk": ("awaiting_admin", "10050", "UNMAPPED_GROUP"),
}


async def test_demo_over_the_soap_mock_has_every_outcome(tmp_path: Path) -> None:
    # given
    settings = Settings(data_dir=tmp_path, database_url="", worker_poll_s=0.05)
    demo = await start_demo(settings, port=0, sandbox_port=0, erp="soap")

    # when
    try:
        await register_everyone(demo)
        adapter = demo.services.settings.adapter
        mock_calls = demo.erp_mock.mock.calls if demo.erp_mock else 0
    finally:
        await demo.stop()

    # then
    outcomes = {
        email: (link.state.value, link.account_number or "", link.price_list or "")
        for email, link in demo.outcomes.items()
    }
    assert outcomes == EXPECTED
    assert adapter == "soap"
    assert mock_calls > len(EXPECTED)
