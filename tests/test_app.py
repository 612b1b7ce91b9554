"""The serving app's start-up: its heap is frozen out of the collector's sight."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from connector.app import create_app
from connector.serving import start_server
from connector.settings import Settings


@pytest.mark.parametrize("freeze", [True, False])
async def test_a_serving_app_freezes_what_start_up_left_alive(
    tmp_path: Path, freeze: bool
) -> None:
    settings = Settings(data_dir=tmp_path, database_url="", run_worker=False)
    gc.unfreeze()
    try:
        server = await start_server(create_app(settings, freeze_startup_heap=freeze))
        frozen = gc.get_freeze_count()
        await server.stop()
    finally:
        gc.unfreeze()

    assert (frozen > 10_000) is freeze
