"""Which ERP adapter runs, with which options: the merchant's file under the
environment.

The settings file (`erplink.toml`, the one `ERPLINK_POLICY_FILE` names) may hold::

    [adapter]
    name = "sql"
    [adapter.options]            # non-secret options only: the file is not secret
    table = "Customer"

The environment takes precedence: `ERPLINK_ADAPTER` replaces the name, and
`ERPLINK_ADAPTER_OPTIONS` (a JSON object, the place for a DB URL or a password) is
merged over the file's options key by key. Adapters receive a flat
`Mapping[str, str]`: numbers and booleans are turned into strings (`true`, `5432`).
Secrets among the options (an option named like a password or token, a password
inside a URL or connection string) are masked in every message erplink shows (see
`erp_adapters/redaction.py`); one found in the file is also logged as a warning
(`adapter.secret_in_file`), since the file is not the place for it.

The csv adapter with no options at all reads the sample export shipped in
`erp_adapters/data/`, which is what the demo uses; it is also the adapter when
nothing names one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from connector.errors import ConfigurationError
from connector.settings import SAMPLE_ADAPTER_OPTIONS, Settings
from erp_adapters.base import ErpError
from erp_adapters.redaction import Redactor, names_secret, secret_values
from erp_adapters.registry import load_adapter
from erp_adapters.resilience import ResilienceSettings, ResilientAdapter, same_kind

log = structlog.get_logger(__name__)
DEFAULT_ADAPTER = "csv"
_TABLE_KEYS = frozenset({"name", "options"})


@dataclass(frozen=True, slots=True)
class AdapterConfig:
    """The adapter to load and its options.

    Attributes:
        name: the entry point name in `erplink.erp_adapters`.
        options: every option, as strings.
        secrets: the values to mask in messages (see `erp_adapters/redaction.py`).
        source: where the name came from, in words for `erplink adapters check`.
    """

    name: str
    options: dict[str, str]
    secrets: frozenset[str]
    source: str


def adapter_config(settings: Settings) -> AdapterConfig:
    """Merge the settings file's `[adapter]` table with the environment.

    Raises:
        ConfigurationError: the `[adapter]` table or an option has the wrong shape;
            the message names the file or the variable and the key.
    """
    file_name, file_options = read_adapter_table(settings.policy_file)
    env_options: dict[str, str] = {}
    if "adapter_options" in settings.model_fields_set:
        env_options = stringify_options(
            settings.adapter_options, "ERPLINK_ADAPTER_OPTIONS"
        )
    name, source = _chosen_name(settings, file_name)
    options = {**file_options, **env_options}
    if not options and name == DEFAULT_ADAPTER:
        options = dict(SAMPLE_ADAPTER_OPTIONS)

    _warn_of_secrets_in_file(file_options, settings.policy_file)

    return AdapterConfig(name, options, secret_values(options), source)


def open_adapter(settings: Settings) -> ResilientAdapter:
    """The configured adapter, built and wrapped in the resilience guard.

    Raises:
        ConfigurationError: no adapter of that name is installed (the message lists
            the installed ones), or the configuration has the wrong shape.
        ErpMisconfiguredError: the adapter refused its options.
    """
    config = adapter_config(settings)
    redact = Redactor(config.secrets)
    try:
        inner = load_adapter(config.name, config.options)
    except ErpError as exc:  # raised before the guard exists: mask it here
        raise same_kind(exc, redact(str(exc))) from None
    return ResilientAdapter(
        inner, resilience_settings(settings), secrets=config.secrets
    )


def resilience_settings(settings: Settings) -> ResilienceSettings:
    """The guard's numbers from the ERPLINK_ERP_* settings."""
    return ResilienceSettings(
        timeout_s=settings.erp_timeout_s,
        max_concurrency=settings.erp_max_concurrency,
        retries=settings.erp_retries,
        retry_backoff_s=settings.erp_retry_backoff_s,
        retry_budget=settings.erp_retry_budget,
        retry_budget_per_s=settings.erp_retry_budget_per_s,
        breaker_failures=settings.erp_breaker_failures,
        breaker_reset_s=settings.erp_breaker_reset_s,
    )


def read_adapter_table(path: Path) -> tuple[str, dict[str, str]]:
    """The name and options of the `[adapter]` table of a settings file.

    A missing file or table gives `("", {})`: the policy loader reports a missing
    file on its own.

    Raises:
        ConfigurationError: the file is not TOML, or the table holds anything but a
            string `name` and an `options` table of plain values.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return "", {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc

    table = data.get("adapter", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: 'adapter' must be a table ([adapter])")
    unknown = sorted(set(table) - _TABLE_KEYS)
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown keys in [adapter]: {', '.join(unknown)}; "
            "only 'name' and the table [adapter.options] belong there"
        )
    name = table.get("name", "")
    if not isinstance(name, str):
        raise ConfigurationError(f"{path}: [adapter] name must be a string")
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise ConfigurationError(f"{path}: [adapter] options must be a table")

    return name.strip(), stringify_options(options, f"{path} [adapter.options]")


def stringify_options(options: Mapping[str, Any], source: str) -> dict[str, str]:
    """Options as strings: numbers as written, booleans as `true`/`false`.

    Raises:
        ConfigurationError: a value is a list, a table or null.
    """
    flat: dict[str, str] = {}
    for key, value in options.items():
        if isinstance(value, bool):
            flat[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            flat[key] = str(value)
        else:
            raise ConfigurationError(
                f"{source}: option {key!r} must be a string, a number or a boolean, "
                f"not {type(value).__name__}"
            )
    return flat


def _warn_of_secrets_in_file(options: Mapping[str, str], path: Path) -> None:
    """The settings file is not secret: say so when an option there looks like one."""
    for key in sorted(k for k in options if names_secret(k)):
        log.warning("adapter.secret_in_file", option=key, file=path.name)


def _chosen_name(settings: Settings, file_name: str) -> tuple[str, str]:
    # A field counts as set when the environment or the caller gave it a value.
    if "adapter" in settings.model_fields_set and settings.adapter.strip():
        return settings.adapter.strip(), "ERPLINK_ADAPTER"
    if file_name:
        return file_name, f"[adapter] in {settings.policy_file.name}"
    return DEFAULT_ADAPTER, "the default"
