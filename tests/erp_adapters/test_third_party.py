"""A third-party adapter, installed as its own distribution, is found by entry point
and passes the contract. The adapter is the example printed in README.md, so the
README cannot drift from what works."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from connector.errors import ConfigurationError
from erp_adapters.base import ErpAdapter, ErpMisconfiguredError
from erp_adapters.registry import available, load_adapter

from .contract import CHECKS, CONTRACT_DATA, Check
from .distribution import install_distribution

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    """The README's example adapter module, as printed."""
    blocks = re.findall(
        r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S
    )
    [example] = [b for b in blocks if b.startswith("# nightly_adapter.py")]
    return str(example)


def export_folder(root: Path) -> Path:
    """The contract data set as the nightly export's two files."""
    folder = root / "export"
    folder.mkdir()
    shutil.copy(CONTRACT_DATA.accounts_csv, folder / "accounts.csv")
    shutil.copy(CONTRACT_DATA.contacts_csv, folder / "contacts.csv")
    return folder


@pytest.fixture
def nightly_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    install_distribution(
        monkeypatch,
        tmp_path / "site",
        project="nightly-export-adapter",
        module="nightly_adapter",
        source=readme_example(),
        adapters={"nightly": "NightlyExportAdapter"},
    )
    return export_folder(tmp_path)


@pytest_asyncio.fixture
async def nightly(nightly_installed: Path) -> AsyncIterator[ErpAdapter]:
    adapter = load_adapter("nightly", {"folder": str(nightly_installed)})
    yield adapter
    await adapter.close()


def test_the_installed_distribution_is_listed(nightly_installed: Path) -> None:
    # when
    names = available()

    # then
    assert "nightly" in names
    assert "csv" in names


async def test_load_adapter_builds_it_from_its_options(nightly: ErpAdapter) -> None:
    # when
    account = await nightly.account_by_number("0004711")

    # then
    assert type(nightly).__module__ == "nightly_adapter"
    assert nightly.name == "nightly"
    assert account is not None
    assert account.name == "Kleinbetrieb Meyer"


def test_its_own_option_check_reaches_the_merchant(nightly_installed: Path) -> None:
    # when / then
    with pytest.raises(ErpMisconfiguredError, match="needs the option folder"):
        load_adapter("nightly", {})


def test_without_the_distribution_the_name_is_unknown() -> None:
    # when / then
    with pytest.raises(ConfigurationError) as raised:
        load_adapter("nightly", {"folder": "."})
    assert str(raised.value) == (
        f"no ERP adapter named 'nightly'; installed: {', '.join(available())}"
    )


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__[6:])
async def test_contract(nightly: ErpAdapter, check: Check) -> None:
    await check(nightly)
