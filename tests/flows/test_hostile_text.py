"""Whatever a customer types, in whatever state of whatever flow, gets a sensible answer and
never an exception; nothing typed is ever treated as a template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ispbot.storage import customers
from ispbot.storage.demo import DEMO_CUSTOMER_CODE, seed_demo_customer, seed_faq
from ispbot.storage.models import Conversation
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.reachable import Snapshot, every_flow_state, explore, failed_messages, restore

PHONE = "6281200000150"

HOSTILE = [
    "{{ 7*1913 }}",  # a template that would print 13391
    "{% for x in range(3) %}13391{% endfor %}",
    "${7*1913} #{7*1913} <%= 7*1913 %>",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE registrations; -- \" OR 1=1 --",
    "😀🙏🏽👨‍👩‍👧‍👦🇮🇩",
    "مرحبا بالعالم שלום",  # right-to-left
    "\u202eabc\u202d",  # RTL override
    "a\u200b\u200c\u200d\ufeffb",  # zero-width characters
    "\u200b \u200b",
    "x" * 10_000,
    "\x00\x01\x1b[31m",
    "*_~```bold```~_* %s %d %(x)s {0} {x}",
]

_reached: dict[tuple[str, str], Snapshot] = {}


@pytest.fixture
async def fonnte(fonnte: Harness) -> Harness:
    """The Fonnte harness with the demo customer, its invoices and ticket, and the FAQ: the
    self-service flows have something to show."""
    async with fonnte.services.db.transaction() as s:
        now = fonnte.clock.now()
        await seed_demo_customer(s, now, now.date())
        await seed_faq(s, now)
    return fonnte


async def link_to_demo_customer(h: Harness, phone: str) -> None:
    """As if the chat had linked itself by customer id and code (flows/account.py)."""
    async with h.services.db.transaction() as s:
        customer = await customers.by_code(s, DEMO_CUSTOMER_CODE)
        assert customer is not None
        row = (await s.execute(select(Conversation).where(Conversation.phone == phone))).scalar_one()
        until = (h.clock.now() + timedelta(days=365)).isoformat()
        row.data = {**(row.data or {}), "account": {"customer_id": customer.id, "until": until}}


async def reached_states(h: Harness) -> dict[tuple[str, str], Snapshot]:
    """Explored once per test session (the snapshots are plain data; every harness seeds the
    same demo customer, so the ids in them hold)."""
    if not _reached:
        _reached.update(await explore(h, PHONE))  # a stranger: registration, tracking, linking
        linked = await explore(h, PHONE, prepare=link_to_demo_customer, wanted=every_flow_state() - set(_reached))
        _reached.update({key: snap for key, snap in linked.items() if key not in _reached})
    return _reached


async def answer_in(h: Harness, snap: Snapshot, text: str) -> list[str]:
    chat = Chat(h, PHONE)
    chat.replies()  # skip what was sent before
    await restore(h, PHONE, snap)
    return await chat.send(text)


def assert_sensible(h: Harness, typed: str, replies: list[str], where: Any) -> None:
    assert replies, (where, typed, "no answer")
    internal_error = h.services.messages.render("id", "internal_error")
    for reply in replies:
        assert reply.strip(), (where, typed, "an empty message")
        assert reply != internal_error, (where, typed)
        # 7*1913: a rendered template prints 13391 more often than the customer typed it
        assert reply.count("13391") <= typed.count("13391"), (where, typed, "rendered as a template")
        assert len(reply) <= 4096, (where, typed, "longer than WhatsApp allows")


async def test_every_state_of_every_flow_is_reached(fonnte: Harness) -> None:
    reached = await reached_states(fonnte)
    missing = every_flow_state() - set(reached)
    assert not missing, f"no answer in tests/flows/reachable.py ANSWERS leads to {sorted(missing)}"


async def test_hostile_text_in_every_reachable_state(fonnte: Harness) -> None:
    reached = await reached_states(fonnte)
    for key, snap in reached.items():
        for text in HOSTILE:
            replies = await answer_in(fonnte, snap, text)
            assert_sensible(fonnte, text, replies, key)
    assert await failed_messages(fonnte) == []


TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(categories=("So", "Cf", "Mn", "Zs", "Lo")), max_size=50),
    st.sampled_from(HOSTILE).flatmap(lambda h: st.text(max_size=20).map(lambda t: t + h + t)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, pick=st.integers(min_value=0))
async def test_any_text_in_any_state_gets_an_answer(fonnte: Harness, text: str, pick: int) -> None:
    reached = await reached_states(fonnte)
    key = sorted(reached)[pick % len(reached)]
    replies = await answer_in(fonnte, reached[key], text)
    assert_sensible(fonnte, text, replies, key)
    assert await failed_messages(fonnte) == []
