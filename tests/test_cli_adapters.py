"""`erplink adapters list` and `erplink adapters check`, with third-party adapters
installed for real. The credentials case runs as a person runs it (a real process,
its logs on stderr); the others run the same command in-process, to stay quick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connector.cli import main

from .erp_adapters.broken import DOWN_ERP, LOCKED_ERP, PASSWORD
from .erp_adapters.distribution import install_distribution

ROOT = Path(__file__).resolve().parent.parent


def erplink(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ERPLINK_")}
    site = tmp_path / "site"
    environment = {
        **clean,
        "ERPLINK_DATA_DIR": str(tmp_path / "var"),
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def erplink_here(*args: str, tmp_path: Path, **env: str) -> Result:
    unset: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith("ERPLINK_")
    }
    environment = {**unset, "ERPLINK_DATA_DIR": str(tmp_path / "var"), **env}
    return CliRunner().invoke(main, list(args), env=environment)


@pytest.fixture
def broken_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Two failing adapters installed in `tmp_path/site` (found via PYTHONPATH)."""
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="locked-erp",
        module="locked_erp",
        source=LOCKED_ERP,
        adapters={"locked": "LockedErp"},
    )
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="down-erp",
        module="down_erp",
        source=DOWN_ERP,
        adapters={"down": "DownErp"},
    )
    return tmp_path


def log_events(stderr: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_list_shows_built_in_and_installed_adapters(broken_installed: Path) -> None:
    # when
    done = erplink_here("adapters", "list", tmp_path=broken_installed)

    # then
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert "csv  (configured)" in lines
    assert {"down", "locked"} <= set(lines)


def test_check_of_the_sample_export_passes(tmp_path: Path) -> None:
    # when
    done = erplink_here("adapters", "check", tmp_path=tmp_path)

    # then
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == "adapter:   csv (chosen by the default)"
    assert lines[1].startswith("reachable: yes - ")
    assert lines[2:] == [
        "accounts:  300 accounts",
        "sample:    10000 Acme Industrial GmbH (price list WHOLESALE)",
        "by number: 10000 found again, the same account",
        "by domain: acme-industrial.de -> 1 account: 10000",
        "result:    the csv adapter works",
    ]


def test_check_with_wrong_credentials_names_the_failure_and_no_secret(
    broken_installed: Path,
) -> None:
    # given
    options = json.dumps({"user": "erplink", "password": PASSWORD})

    # when
    done = erplink(
        "adapters",
        "check",
        tmp_path=broken_installed,
        ERPLINK_ADAPTER="locked",
        ERPLINK_ADAPTER_OPTIONS=options,
    )

    # then: exit 1, the adapter and the cause in words, one call, no password
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "adapter: locked (chosen by ERPLINK_ADAPTER)",
        "failed:  the ERP refused the credentials: check the user and password in "
        "the adapter options (ERPLINK_ADAPTER_OPTIONS) (erp_unauthorized): locked "
        "adapter, health: login failed for erplink with password ***",
        "result:  the locked adapter does not work; fix what is named above and run "
        "the check again",
    ]
    assert PASSWORD not in done.stdout + done.stderr
    events = log_events(done.stderr)
    assert [(e["event"], e["adapter"], e["error"]) for e in events] == [
        ("erp.call_failed", "locked", "erp_unauthorized")
    ]


def test_check_of_an_erp_that_is_down_says_it_cannot_be_reached(
    broken_installed: Path,
) -> None:
    # when
    done = erplink_here(
        "adapters",
        "check",
        tmp_path=broken_installed,
        ERPLINK_ADAPTER="down",
        ERPLINK_ERP_RETRIES="1",
    )

    # then
    assert done.exit_code == 1
    failed = done.stdout.splitlines()[1]
    assert failed == (
        "failed:  the ERP cannot be reached (erp_unavailable): down adapter, "
        "health: connect to erp.internal:443 refused"
    )
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_check_of_an_unknown_adapter_lists_the_installed(tmp_path: Path) -> None:
    # when
    done = erplink_here(
        "adapters", "check", tmp_path=tmp_path, ERPLINK_ADAPTER="navision"
    )

    # then
    assert done.exit_code == 1
    assert done.stdout.splitlines()[1].startswith(
        "configuration: no ERP adapter named 'navision'; installed: csv"
    )
    assert isinstance(done.exception, SystemExit)
