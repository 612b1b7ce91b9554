"""Webhook delivery: Saleor's retry rules, re-signing, redelivery, the log."""

from __future__ import annotations

import pytest

from connector.sandbox import App, SandboxSaleor
from connector.sandbox.server import bind_socket

from .conftest import CUSTOMER_SUBSCRIPTION, FakeApp, wait_for_calls


@pytest.mark.asyncio
async def test_503_is_retried_until_success(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    fake_app.webhook_statuses = [503]

    await sandbox.register("r@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    (delivery,) = sandbox.deliveries
    first, second = fake_app.webhook_calls
    assert delivery.status_codes == [503, 200]
    assert delivery.status == "success"
    assert [a.number for a in delivery.attempts] == [1, 2]
    assert first.body == second.body == delivery.body
    assert delivery.event_type == "CUSTOMER_CREATED"
    assert delivery.webhook_name == "customer events"


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 410, 302])
async def test_3xx_and_4xx_are_final(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App, status: int
) -> None:
    fake_app.webhook_statuses = [status]

    await sandbox.register("s@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    (delivery,) = sandbox.deliveries
    assert delivery.status_codes == [status]
    assert delivery.status == "failed"
    assert len(fake_app.webhook_calls) == 1


@pytest.mark.asyncio
async def test_retries_stop_after_the_schedule(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    fake_app.webhook_statuses = [500, 502, 503, 504]

    await sandbox.register("t@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    (delivery,) = sandbox.deliveries
    assert delivery.status_codes == [500, 502, 503]
    assert delivery.status == "failed"


@pytest.mark.asyncio
async def test_connection_errors_are_retried(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    closed = bind_socket("127.0.0.1", 0)
    port = closed.getsockname()[1]
    closed.close()
    fake_app.webhooks = [
        {
            "name": "nobody home",
            "targetUrl": f"http://127.0.0.1:{port}/hook",
            "query": CUSTOMER_SUBSCRIPTION,
        }
    ]
    await sandbox.install_app(fake_app.manifest_url)

    await sandbox.register("u@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    (delivery,) = sandbox.deliveries
    assert delivery.status_codes == [None, None, None]
    assert [a.error for a in delivery.attempts] == ["ConnectError"] * 3
    assert delivery.status == "failed"


@pytest.mark.asyncio
async def test_retry_after_key_rotation_is_signed_with_the_new_key(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    sandbox.dispatcher.retry_schedule_s = (0.3,)
    fake_app.webhook_statuses = [503]
    await sandbox.register("v@example.com", "correct-horse")
    await wait_for_calls(fake_app, 1)
    old_signature = fake_app.webhook_calls[0].headers["saleor-signature"]

    sandbox.rotate_key()
    await sandbox.wait_idle(2)

    retry = fake_app.webhook_calls[1]
    assert retry.body == fake_app.webhook_calls[0].body
    assert retry.headers["saleor-signature"] == sandbox.sign(retry.body)
    assert retry.headers["saleor-signature"] != old_signature


@pytest.mark.asyncio
async def test_redeliver_sends_the_same_bytes_again(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    await sandbox.register("w@example.com", "correct-horse")
    await sandbox.wait_idle(2)
    (delivery,) = sandbox.deliveries

    sandbox.redeliver(delivery)
    await sandbox.wait_idle(2)

    original, again = fake_app.webhook_calls
    assert again.body == original.body == delivery.body
    assert again.headers["saleor-signature"] == original.headers["saleor-signature"]
    assert delivery.status_codes == [200, 200]
    assert delivery.status == "success"


@pytest.mark.asyncio
async def test_app_without_manage_users_receives_no_customer_events(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    fake_app.permissions = []
    await sandbox.install_app(fake_app.manifest_url)

    await sandbox.register("x@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    assert sandbox.deliveries == []
    assert fake_app.webhook_calls == []


@pytest.mark.asyncio
async def test_wait_idle_times_out_while_a_retry_is_pending(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    sandbox.dispatcher.retry_schedule_s = (30,)
    fake_app.webhook_statuses = [503]
    await sandbox.register("y@example.com", "correct-horse")

    with pytest.raises(TimeoutError):
        await sandbox.wait_idle(0.3)

    assert sandbox.dispatcher.pending == 1
