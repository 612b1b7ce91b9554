"""Finding ERP adapters: built-in or from other packages, by entry point name.

A merchant's own adapter is a separate package that declares, in its
`pyproject.toml`::

    [project.entry-points."erplink.erp_adapters"]
    myerp = "myerp_adapter:MyErpAdapter"

and a class with `from_settings(options: Mapping[str, str]) -> ErpAdapter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

from connector.errors import ConfigurationError
from erp_adapters.base import ErpAdapter

GROUP = "erplink.erp_adapters"


def available() -> list[str]:
    """Names of every installed adapter."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def load_adapter(name: str, options: Mapping[str, str]) -> ErpAdapter:
    """Build the adapter registered as `name` from its options.

    Raises:
        ConfigurationError: no adapter of that name is installed.
    """
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise ConfigurationError(
            f"no ERP adapter named {name!r}; installed: {', '.join(available())}"
        )
    factory = found[0].load()
    adapter: ErpAdapter = factory.from_settings(options)
    return adapter
