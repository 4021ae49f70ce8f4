from __future__ import annotations

from typing import Any

import pytest

from ispbot.storage.demo import seed_packages
from tests.conftest import Harness
from tests.flows.chat import CLOUDAPI, FONNTE


async def _seeded(harness_factory: Any, url: str, settings: dict[str, str]) -> Harness:
    h: Harness = await harness_factory(url, **settings)
    async with h.services.db.transaction() as s:
        await seed_packages(s)
    return h


@pytest.fixture
async def fonnte(harness_factory: Any, sqlite_url: str) -> Harness:
    return await _seeded(harness_factory, sqlite_url, FONNTE)


@pytest.fixture
async def cloudapi(harness_factory: Any, sqlite_url: str) -> Harness:
    return await _seeded(harness_factory, sqlite_url, CLOUDAPI)
