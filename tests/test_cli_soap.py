"""`erplink erp-mock` refuses what cannot work, with the reason."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from connector.cli import main


def test_erp_mock_names_a_missing_data_file(tmp_path: Path) -> None:
    # given
    missing = tmp_path / "missing-export.csv"

    # when
    result = CliRunner().invoke(
        main,
        ["erp-mock", "--data", str(missing), "--port", "0"],
        env={"ERPLINK_ERP_MOCK_PASSWORD": "pw-test"},
    )

    # then
    assert result.exit_code == 1
    assert f"cannot read CSV file {missing}" in result.output


def test_erp_mock_needs_a_password(tmp_path: Path) -> None:
    # when
    result = CliRunner().invoke(
        main,
        ["erp-mock", "--data", str(tmp_path / "a.csv")],
        env={"ERPLINK_ERP_MOCK_PASSWORD": None},
    )

    # then
    assert result.exit_code == 2
    assert "Missing option '--password'" in result.output


def test_erp_mock_refuses_a_fault_rate_above_one(tmp_path: Path) -> None:
    # when
    result = CliRunner().invoke(
        main,
        ["erp-mock", "--data", str(tmp_path / "a.csv"), "--fault-rate", "1.5"],
        env={"ERPLINK_ERP_MOCK_PASSWORD": "pw-test"},
    )

    # then
    assert result.exit_code == 1
    assert "fault_rate within 0..1" in result.output
