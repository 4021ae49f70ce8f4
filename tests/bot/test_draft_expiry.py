"""Registration drafts kept outside the registration (the customer went to the menu) expire
like the others, on both databases (the look-up reads a key inside the JSON data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ispbot.jobs import remind_quiet_registrations
from ispbot.providers.messages import Contact
from ispbot.storage import conversations
from ispbot.storage.models import Conversation
from tests.conftest import Harness


async def test_only_old_parked_drafts_are_dropped(harness_factory: Callable[..., Any], db_url: str) -> None:
    h: Harness = await harness_factory(db_url)
    states = {"6281200000101": {"registration": {"nik": "3273010101900001"}, "lang": "id"},  # parked draft
              "6281200000102": {"lang": "id"},  # no draft
              "6281200000103": {"registration": {"nik": "3273010101900002"}}}  # parked, but recent
    for phone, data in states.items():
        async with h.services.db.transaction() as session:
            convo = await conversations.try_lock(session, Contact(phone=phone), "sandbox", h.clock.now(), "id")
            assert convo is not None
            convo.data = data
        if phone == "6281200000102":
            h.clock.advance(hours=2)
    async with h.services.db.transaction() as session:
        recent = (await session.execute(select(Conversation).where(Conversation.phone == "6281200000103"))).scalar_one()
        recent.updated_at = h.clock.now() + timedelta(hours=2)
    h.clock.advance(timedelta(hours=73))
    assert await remind_quiet_registrations(h.services) == 1
    async with h.services.db.sessions() as session:
        left = {c.phone: c.data for c in (await session.execute(select(Conversation))).scalars()}
    assert left["6281200000101"] == {"lang": "id"}
    assert left["6281200000102"] == {"lang": "id"}
    assert "registration" in left["6281200000103"]
