"""Every reachable state of every flow, found by chatting: a walk that, from each state
reached, tries the answers of a small list of everyday answers and keeps the conversation
row (flow, state, data, locale) of each new state it lands in.

The walk knows no flow by name, so a flow added to `flows.router.FLOWS` is explored as
soon as one of these answers leads into it; `test_every_state_of_every_flow_is_reached`
fails until one does (add the answer that reaches the new state to ANSWERS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ispbot.flows.router import FLOWS
from ispbot.storage.models import Conversation, InboxMessage
from ispbot.storage.otp import RESEND_AFTER
from tests.conftest import Harness
from tests.flows.chat import Chat

# Everyday answers: menu numbers, the happy-path registration answers, tracking words,
# and for a customer's chat (linked to the demo customer): "keluar" unlinks it, the demo
# customer id starts linking again (an unknown one stays at the id question), a new email
# and a new number for the profile; "tiket" lists the tickets ("5", Lapor gangguan, reports).
# "2" (status) comes before "1" (register): tracking asks for a number only while the
# phone has no registration yet.
ANSWERS = [
    "halo", "2", "1", "3", "4", "5", "6", "7", "Budi Santoso", "budi@gmail.com", "081200000102",
    "3273010101900001", "lewati", "Jl. Sukajadi No. 10", "001/002", "Kota Bandung", "Sukajadi",
    "Sukagalih", "ya", "besok", "kirim", "status", "REG-20990101-0001", "Internet mati sejak pagi",
    "hapus data", "keluar", "AGLS202510150001", "AGLS209901010001", "budi.baru@example.com", "081200000177",
    "tiket",
]


@dataclass(frozen=True)
class Snapshot:
    flow: str
    state: str
    data: dict[str, Any]
    locale: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.flow, self.state)


def every_flow_state() -> set[tuple[str, str]]:
    return {(name, state) for name, flow in FLOWS.items() for state in flow.states}


async def snapshot(h: Harness, phone: str) -> Snapshot:
    async with h.services.db.sessions() as s:
        row = (await s.execute(select(Conversation).where(Conversation.phone == phone))).scalar_one()
        return Snapshot(row.flow, row.state, dict(row.data or {}), row.locale)


async def restore(h: Harness, phone: str, snap: Snapshot) -> None:
    async with h.services.db.transaction() as s:
        await s.execute(
            update(Conversation).where(Conversation.phone == phone)
            .values(flow=snap.flow, state=snap.state, data=snap.data, locale=snap.locale, mode="bot")
        )


async def failed_messages(h: Harness) -> list[str]:
    """Inbound messages whose handling raised (the dispatcher retried or gave up)."""
    async with h.services.db.sessions() as s:
        rows = (await s.execute(select(InboxMessage).where(InboxMessage.attempts > 0))).scalars()
        return [f"{r.text[:60]!r}: {r.last_error}" for r in rows]


async def explore(
    h: Harness,
    phone: str = "6281200000150",
    prepare: Callable[[Harness, str], Awaitable[None]] | None = None,
    wanted: set[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], Snapshot]:
    """Depth first: from a state, try the answers in turn until one leads somewhere new,
    go there, and come back later for the other answers. Stops once every state of every
    flow is reached (the menu and anything else found on the way are kept too).
    `prepare` adjusts the first conversation row (e.g. links it to a customer); `wanted`
    stops the walk once those states are reached (default: every state of every flow)."""
    chat = Chat(h, phone)
    await chat.send("halo")
    if prepare is not None:
        await prepare(h, phone)
    start = await snapshot(h, phone)
    reached = {start.key: start}
    wanted = every_flow_state() if wanted is None else wanted
    stack: list[tuple[Snapshot, int]] = [(start, 0)]
    while stack and not wanted <= set(reached):
        here, tried = stack.pop()
        for index in range(tried, len(ANSWERS)):
            await restore(h, phone, here)
            await chat.send(ANSWERS[index])
            h.clock.advance(RESEND_AFTER)  # a code sent to a number on one path does not refuse the next
            there = await snapshot(h, phone)
            if there.key not in reached:
                reached[there.key] = there
                stack += [(here, index + 1), (there, 0)]
                break
    return reached
