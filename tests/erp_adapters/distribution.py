"""Installing a third-party adapter package for real, without pip: a module and a
`*.dist-info` folder (METADATA, entry_points.txt) on `sys.path`, which is all
`importlib.metadata` looks for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GROUP = "erplink.erp_adapters"


def install_distribution(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    *,
    project: str,
    module: str,
    source: str,
    adapters: dict[str, str],
) -> None:
    """Write `module.py` and its dist-info under `root` and put `root` on sys.path.

    `adapters` maps entry point names to `ClassName` in `module`. Everything is
    undone when the test ends.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(source, encoding="utf-8")
    info = root / f"{project.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project}\nVersion: 0.1.0\n", encoding="utf-8"
    )
    lines = [f"{name} = {module}:{cls}" for name, cls in adapters.items()]
    (info / "entry_points.txt").write_text(
        f"[{GROUP}]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.syspath_prepend(str(root))
