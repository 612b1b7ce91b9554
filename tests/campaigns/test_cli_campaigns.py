"""`erplink invites create` and `erplink report` as a person runs them: real
processes over the data the demo leaves behind."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "https://shop.example.com/register?invite={token}"


def erplink(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ERPLINK_DATA_DIR": str(data_dir),
        "ERPLINK_INVITE_LINK_TEMPLATE": TEMPLATE,
    }
    command = [sys.executable, "-m", "connector.cli", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of one finished demo run (installed, nine registrations)."""
    root = tmp_path_factory.mktemp("cli")
    done = erplink(
        "demo", "--exit", "--port", "0", "--sandbox-port", "0", data_dir=root
    )
    assert done.returncode == 0, done.stderr
    return root / "demo"


def test_invites_create_then_report(demo_data: Path, tmp_path: Path) -> None:
    created = erplink(
        "invites", "create", "--campaign", "launch", "--rep", "SK",
        "--out", str(tmp_path / "out"), data_dir=demo_data,
    )  # fmt: skip
    reported = erplink(
        "report", "--chart", str(tmp_path / "funnel.svg"), data_dir=demo_data
    )

    assert created.returncode == 0, created.stderr
    with (tmp_path / "out" / "invites.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["rep"] for r in rows} == {"SK"}
    assert all(r["link"].startswith(TEMPLATE.removesuffix("{token}")) for r in rows)
    assert created.stdout.splitlines()[-2] == f"mail merge: {tmp_path}/out/invites.csv"
    assert reported.returncode == 0, reported.stderr
    assert "Adoption funnel since " in reported.stdout
    assert "    launch  " in reported.stdout
    assert (tmp_path / "funnel.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires", "5x"], "--expires: '5x' is not a period"),
        (["--active-within", "0m"], "--active-within: '0m' is not a period"),
        (["--installation", "https://nowhere/graphql/"], "no installation has the API"),
    ],
    ids=["bad expiry", "zero period", "unknown installation"],
)
def test_a_bad_invites_option_says_what_to_fix_and_writes_nothing(
    demo_data: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    env = {"ERPLINK_DATA_DIR": str(demo_data), "ERPLINK_INVITE_LINK_TEMPLATE": TEMPLATE}
    command = ["invites", "create", "--campaign", "x", "--out", str(tmp_path / "out")]

    done = CliRunner().invoke(main, [*command, *args], env=env)

    assert done.exit_code in (1, 2)
    assert message in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert not (tmp_path / "out").exists()
