"""Choosing the adapter: `[adapter]` in erplink.toml under the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from structlog.testing import CapturingLogger

from connector import adapter_config as adapter_config_module
from connector.adapter_config import adapter_config
from connector.errors import ConfigurationError
from connector.services import open_services
from connector.settings import SAMPLE_ADAPTER_OPTIONS as SAMPLE_OPTIONS
from connector.settings import Settings
from erp_adapters.base import ErpMisconfiguredError, ErpUnauthorizedError
from erp_adapters.registry import available

from .erp_adapters.broken import DOWN_ERP, LOCKED_ERP, PASSWORD, PICKY_ERP
from .erp_adapters.distribution import install_distribution


def settings_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "erplink.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_with_nothing_configured_the_sample_export_is_read(tmp_path: Path) -> None:
    # given
    settings = Settings(policy_file=settings_file(tmp_path, "[policy]\n"))

    # when
    config = adapter_config(settings)

    # then
    assert (config.name, config.options, config.source) == (
        "csv",
        SAMPLE_OPTIONS,
        "the default",
    )
    assert config.secrets == frozenset()


def test_the_file_names_the_adapter_and_its_options_as_strings(
    tmp_path: Path,
) -> None:
    # given
    path = settings_file(
        tmp_path,
        '[adapter]\nname = "sql"\n[adapter.options]\n'
        'table = "Customer"\nport = 5432\nread_only = true\nratio = 0.5\n',
    )

    # when
    config = adapter_config(Settings(policy_file=path))

    # then
    assert config.name == "sql"
    assert config.options == {
        "table": "Customer",
        "port": "5432",
        "read_only": "true",
        "ratio": "0.5",
    }
    assert config.source == "[adapter] in erplink.toml"
    assert config.secrets == frozenset()


def test_the_environment_wins_and_is_merged_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    path = settings_file(
        tmp_path,
        '[adapter]\nname = "sql"\n[adapter.options]\n'
        'table = "Customer"\nurl = "postgresql://reader@erp/db"\n',
    )
    monkeypatch.setenv("ERPLINK_ADAPTER", "soap")
    monkeypatch.setenv(
        "ERPLINK_ADAPTER_OPTIONS",
        json.dumps({"url": f"postgresql://reader:{PASSWORD}@erp/db", "pool": 4}),
    )

    # when
    config = adapter_config(Settings(policy_file=path))

    # then
    assert (config.name, config.source) == ("soap", "ERPLINK_ADAPTER")
    assert config.options == {
        "table": "Customer",
        "url": f"postgresql://reader:{PASSWORD}@erp/db",
        "pool": "4",
    }
    assert config.secrets == frozenset({PASSWORD})


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('adapter = "csv"\n', "'adapter' must be a table"),
        ('[adapter]\nnaem = "csv"\n', "unknown keys in [adapter]: naem"),
        ("[adapter]\nname = 3\n", "[adapter] name must be a string"),
        ('[adapter]\noptions = "x"\n', "[adapter] options must be a table"),
        (
            "[adapter.options]\nhosts = ['a', 'b']\n",
            "option 'hosts' must be a string, a number or a boolean, not list",
        ),
        ("[adapter\n", "is not valid TOML"),
    ],
)
def test_a_malformed_adapter_table_is_named(
    tmp_path: Path, body: str, problem: str
) -> None:
    # given
    path = settings_file(tmp_path, body)

    # when
    with pytest.raises(ConfigurationError) as raised:
        adapter_config(Settings(policy_file=path))

    # then
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_a_nested_environment_option_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.setenv("ERPLINK_ADAPTER_OPTIONS", '{"pool": {"size": 4}}')
    path = settings_file(tmp_path, "")

    # when / then
    with pytest.raises(ConfigurationError) as raised:
        adapter_config(Settings(policy_file=path))
    assert str(raised.value) == (
        "ERPLINK_ADAPTER_OPTIONS: option 'pool' must be a string, a number or a "
        "boolean, not dict"
    )


async def test_an_unknown_adapter_stops_start_up_listing_the_installed(
    tmp_path: Path,
) -> None:
    # given
    path = settings_file(tmp_path, '[adapter]\nname = "navision"\n')
    settings = Settings(data_dir=tmp_path, policy_file=path)

    # when / then
    with pytest.raises(ConfigurationError) as raised:
        await open_services(settings)
    assert str(raised.value) == (
        f"no ERP adapter named 'navision'; installed: {', '.join(available())}"
    )
    assert not (tmp_path / "erplink.db").exists()


async def test_an_erp_that_is_down_at_start_up_does_not_stop_erplink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="down-erp",
        module="down_erp",
        source=DOWN_ERP,
        adapters={"down": "DownErp"},
    )
    settings = Settings(
        data_dir=tmp_path,
        policy_file=settings_file(tmp_path, '[adapter]\nname = "down"\n'),
        erp_retries=0,
    )

    # when
    services = await open_services(settings)
    try:
        state = services.adapter.state()
    finally:
        await services.aclose()

    # then
    assert (state.name, state.last_error) == ("down", "erp_unavailable")


async def test_refused_credentials_stop_start_up_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="locked-erp",
        module="locked_erp",
        source=LOCKED_ERP,
        adapters={"locked": "LockedErp"},
    )
    monkeypatch.setenv("ERPLINK_ADAPTER", "locked")
    monkeypatch.setenv(
        "ERPLINK_ADAPTER_OPTIONS", json.dumps({"user": "erplink", "password": PASSWORD})
    )
    settings = Settings(data_dir=tmp_path, policy_file=settings_file(tmp_path, ""))

    # when / then
    with pytest.raises(ErpUnauthorizedError) as raised:
        await open_services(settings)
    assert str(raised.value) == (
        "locked adapter, health: login failed for erplink with password ***"
    )


async def test_an_adapter_refusing_its_options_names_them_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="picky-erp",
        module="picky_erp",
        source=PICKY_ERP,
        adapters={"picky": "PickyErp"},
    )
    monkeypatch.setenv("ERPLINK_ADAPTER", "picky")
    monkeypatch.setenv(
        "ERPLINK_ADAPTER_OPTIONS", json.dumps({"dsn": f"Server=erp;Pwd={PASSWORD}"})
    )
    settings = Settings(data_dir=tmp_path, policy_file=settings_file(tmp_path, ""))

    # when / then
    with pytest.raises(ErpMisconfiguredError) as raised:
        await open_services(settings)
    assert str(raised.value) == "cannot use the dsn Server=erp;Pwd=***"
    assert raised.value.__cause__ is None
    assert not (tmp_path / "erplink.db").exists()


def test_a_password_in_the_file_is_masked_and_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    recorder = CapturingLogger()
    monkeypatch.setattr(adapter_config_module, "log", recorder)
    path = settings_file(
        tmp_path,
        f'[adapter]\nname = "sql"\n[adapter.options]\npassword = "{PASSWORD}"\n',
    )

    # when
    config = adapter_config(Settings(policy_file=path))

    # then
    assert config.secrets == frozenset({PASSWORD})
    assert [(c.args, c.kwargs) for c in recorder.calls] == [
        (("adapter.secret_in_file",), {"option": "password", "file": "erplink.toml"})
    ]
