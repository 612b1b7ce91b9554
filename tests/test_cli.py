"""The `erplink` command as a person runs it: a real process, real output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from connector.cli import main
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def erplink(
    *args: str, data_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ERPLINK_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "connector.cli", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_demo_prints_every_outcome_and_its_urls(tmp_path: Path) -> None:
    done = erplink(
        "demo", "--exit", "--port", "0", "--sandbox-port", "0", data_dir=tmp_path
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "customer",
        "shows",
        "outcome",
        "ERP",
        "account",
        "price",
        "list",
        "Saleor",
        "type",
        "reason",
    ]
    outcomes = {line.split()[0]: line for line in lines[2:11]}
    assert "linked" in outcomes["anna.schmidt@acme-industrial.de"]
    assert "awaiting_admin" in outcomes["einkauf@grossabnehmer.de"]
    assert "rejected" in outcomes["bestellung@gesperrt-handel.de"]
    assert any(
        line.startswith("erplink:") and "http://127.0.0.1:" in line for line in lines
    )
    assert "9 registrations settled in" in done.stdout


def test_migrate_then_an_empty_inbox(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"ERPLINK_DATA_DIR": str(tmp_path)}

    migrated = runner.invoke(main, ["migrate"], env=env)
    listed = runner.invoke(main, ["inbox", "list"], env=env)

    assert (migrated.exit_code, migrated.stdout) == (0, "schema up to date\n")
    assert (listed.exit_code, listed.stdout) == (0, "inbox empty\n")


def test_inbox_retry_needs_ids_or_all(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["inbox", "retry"], env={"ERPLINK_DATA_DIR": str(tmp_path)}
    )

    assert result.exit_code == 2
    assert "name dead letter ids, or pass --all" in result.output


def test_a_missing_erp_file_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    env = {
        "ERPLINK_DATA_DIR": str(tmp_path),
        "ERPLINK_ADAPTER_OPTIONS": '{"accounts": "missing-export.csv"}',
    }

    result = CliRunner().invoke(main, ["inbox", "list"], env=env)

    assert result.exit_code == 1
    assert "missing-export.csv" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "public_url", [None, "https://erplink.example"], ids=["derived", "set"]
)
def test_serve_names_where_saleor_reaches_it_in_the_manifest(
    tmp_path: Path, public_url: str | None
) -> None:
    port = free_port()
    env = {**os.environ, "ERPLINK_DATA_DIR": str(tmp_path)}
    env.pop("ERPLINK_PUBLIC_URL", None)
    if public_url is not None:
        env["ERPLINK_PUBLIC_URL"] = public_url
    command = [sys.executable, "-m", "connector.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        manifest = _manifest(f"http://127.0.0.1:{port}", server)
    finally:
        server.terminate()
        server.wait(timeout=30)

    base = public_url or f"http://127.0.0.1:{port}"
    assert manifest["tokenTargetUrl"] == f"{base}/api/register"
    assert {hook["targetUrl"].rpartition("/")[0] for hook in manifest["webhooks"]} == {
        f"{base}/api/webhooks"
    }


def _manifest(url: str, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The served manifest, once `erplink serve` answers (it migrates first)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            return dict(httpx.get(f"{url}/api/manifest", timeout=2).json())
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("erplink serve did not answer in 60 s")
