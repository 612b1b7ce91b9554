"""Installations: kept in memory briefly, refreshed by this process's own writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from connector.store.installations import InstallationStore

API_URL = "https://shop.example.com/graphql/"


async def test_a_key_change_by_this_process_is_seen_at_once(
    sessions: async_sessionmaker[Any],
) -> None:
    store = InstallationStore(sessions, "secret")
    saved = await store.save(API_URL, "QXBwOjE=", "shop.example.com", "tok", "{}")
    await store.get(API_URL)

    await store.update_jwks(saved.id, '{"keys": []}')

    assert (await store.get(API_URL)).jwks == '{"keys": []}'  # type: ignore[union-attr]
    assert (await store.by_id(saved.id)).jwks == '{"keys": []}'  # type: ignore[union-attr]


async def test_another_process_s_change_is_seen_once_the_copy_expires(
    sessions: async_sessionmaker[Any],
) -> None:
    here = InstallationStore(sessions, "secret", cache_ttl_s=3600)
    expiring = InstallationStore(sessions, "secret", cache_ttl_s=0)
    elsewhere = InstallationStore(sessions, "secret")
    saved = await elsewhere.save(API_URL, "QXBwOjE=", "shop.example.com", "old", "{}")
    await here.get(API_URL)
    await expiring.get(API_URL)

    await elsewhere.save(API_URL, "QXBwOjE=", "shop.example.com", "new", "{}")

    assert (await here.by_id(saved.id)).token == "old"  # type: ignore[union-attr]
    assert (await expiring.by_id(saved.id)).token == "new"  # type: ignore[union-attr]


async def test_an_unknown_saleor_is_looked_up_every_time(
    sessions: async_sessionmaker[Any],
) -> None:
    store = InstallationStore(sessions, "secret")
    assert await store.get(API_URL) is None

    await InstallationStore(sessions, "secret").save(
        API_URL, "QXBwOjE=", "shop.example.com", "tok", "{}"
    )

    assert (await store.get(API_URL)) is not None
