"""The `erplink` command as a person runs it: a real process, real output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from connector.cli import main

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
