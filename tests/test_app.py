"""The serving app's start-up: the intake helper started, the heap frozen out of the
collector's sight."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from connector.app import create_app
from connector.services import Services
from connector.serving import start_server
from connector.settings import Settings


@pytest.mark.parametrize("serving", [True, False])
async def test_a_serving_app_starts_the_intake_helper_and_freezes_its_heap(
    tmp_path: Path, serving: bool
) -> None:
    settings = Settings(data_dir=tmp_path, database_url="", run_worker=False)
    gc.unfreeze()
    try:
        app = create_app(settings, serving=serving)
        server = await start_server(app)
        frozen = gc.get_freeze_count()
        intake = _services(app).intake
        at_start = intake.mode
        if serving:
            assert await intake.ready()
        pid = intake.helper_pid
        async with httpx.AsyncClient(base_url=server.url) as http:
            shown = (await http.get("/readyz")).json()["intake"]
        await server.stop()
    finally:
        gc.unfreeze()

    assert (frozen > 10_000) is serving
    assert at_start == ("here, helper starting" if serving else "here")
    assert shown == ("helper" if serving else "here")
    assert (pid is not None) is serving
    if pid is not None:
        with pytest.raises(ProcessLookupError):  # stopped with the server
            os.kill(pid, 0)


def _services(app: Starlette) -> Services:
    services: Services = app.state.services
    return services
