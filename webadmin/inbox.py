"""The CS chat inbox: conversations handed to a human, waiting ones first (longest wait
first), with unread counts; a conversation's messages beside the customer's registrations,
customer record and invoices (NIK masked); take, reply, hand back. Live: the admin's
event stream (`events.py`) reports every touched conversation (`ConversationWatch`) and
the page re-fetches its part (`?partial=1`). The nav link shows the waiting count.

Who may: every staff role takes from the queue, replies to and hands back its own
conversations, and hands back one nobody took; supervisors and admins also take over or
hand back another agent's (Permission.TAKE_OVER).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import handoff, service_window
from ispbot.client_address import client_ip
from ispbot.storage import customers, handoffs, invoices, registrations, transcript
from ispbot.storage.handoffs import HandoffRefused
from ispbot.storage.models import Conversation, User
from ispbot.webadmin.auth import SESSION_COOKIE, Refused, current, staff_view
from ispbot.webadmin.pages import WAITING_COUNT, redirect, render
from ispbot.webadmin.roles import Permission
from ispbot.webadmin.staff import Staff
from ispbot.webhooks import SERVICES

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REFUSALS = {
    "already yours": "Percakapan ini sudah Anda tangani.",
    "taken by another agent": "Percakapan ini sudah diambil petugas lain.",
    "not yours": "Ambil alih percakapan ini dulu sebelum membalas.",
    "already with the bot": "Percakapan ini sudah kembali ke bot.",
}


# --- the list ----------------------------------------------------------------------------


@staff_view(Permission.HANDOFF)
async def inbox_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    show_all = request.query.get("show") == "all"
    async with services.db.sessions() as session:
        rows = await handoffs.queue(session, include_bot=show_all)
        agents = await _agents(session, {r.conversation.handoff_agent_id for r in rows})
    context = {"rows": rows, "agents": agents, "show_all": show_all, "nav": "inbox",
               "now": services.clock.now(), "me": current(request).user.id}
    if request.query.get("partial") == "1":
        return render(request, "inbox/_list.html", context)
    return render(request, "inbox/list.html", context)


async def _agents(session: AsyncSession, ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in (await session.execute(select(User).where(User.id.in_(wanted)))).scalars()}


# --- one conversation --------------------------------------------------------------------


async def _load(request: web.Request, session: AsyncSession, *, for_update: bool = False) -> Conversation:
    found = await handoffs.by_id(session, int(request.match_info["id"]), for_update=for_update)
    if found is None:
        raise Refused(404, "Percakapan tidak ditemukan")
    return found


@staff_view(Permission.HANDOFF)
async def conversation_detail(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.transaction() as session:
        convo = await _load(request, session, for_update=True)
        if convo.mode == handoffs.HUMAN and convo.handoff_agent_id == staff.user.id and convo.unread:
            handoffs.mark_read(convo)  # the agent has seen the customer's messages
            handoffs.touch(convo, services.clock.now())
        lines = await transcript.lines(session, convo.contact_key, limit=200)
        context = await _context(request, session, convo, staff)
    context["lines"] = lines
    if request.query.get("partial") == "1":
        return render(request, "inbox/_conversation.html", context)
    return render(request, "inbox/conversation.html", context)


async def _context(request: web.Request, session: AsyncSession, convo: Conversation, staff: Staff) -> dict[str, Any]:
    services = request.app[SERVICES]
    phone = convo.phone or ""
    customer = await customers.by_phone(session, phone) if phone else None
    agent = await session.get(User, convo.handoff_agent_id) if convo.handoff_agent_id else None
    mine = convo.mode == handoffs.HUMAN and convo.handoff_agent_id == staff.user.id
    return {
        "c": convo, "agent": agent, "mine": mine, "nav": "inbox",
        "name": (await handoffs.names_of(session, [phone])).get(phone) if phone else None,
        "registrations": await registrations.of_chat(session, phone, convo.contact_key) if phone else [],
        "customer": customer,
        "invoices": await invoices.latest_for_customer(session, customer.id) if customer else [],
        "invoice_summary": await invoices.summary(session, customer.id) if customer else None,
        "can_take": convo.mode != handoffs.HUMAN or (not mine and staff.can(Permission.TAKE_OVER)),
        "can_hand_back": convo.mode == handoffs.WAITING or mine
        or (convo.mode == handoffs.HUMAN and staff.can(Permission.TAKE_OVER)),
        "templates_only": service_window.window_state(services, convo),
        "max_reply": handoff.MAX_REPLY,
    }


def _action(
    act: Callable[[web.Request, AsyncSession, Conversation, Staff], Awaitable[str]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A POST on one conversation: locked, acted on, audited by `act`; back to its page."""

    @staff_view(Permission.HANDOFF)
    async def view(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        back = f"/admin/inbox/{request.match_info['id']}"
        try:
            async with services.db.transaction() as session:
                convo = await _load(request, session, for_update=True)
                message = await act(request, session, convo, current(request))
        except HandoffRefused as refused:
            return redirect(request, back, REFUSALS.get(str(refused), str(refused)), "error")
        except ValueError as invalid:
            return redirect(request, back, str(invalid), "error")
        return redirect(request, back, message)

    view.__name__ = act.__name__
    return view


async def _take(request: web.Request, session: AsyncSession, convo: Conversation, staff: Staff) -> str:
    take_over = staff.can(Permission.TAKE_OVER)
    await handoff.take(request.app[SERVICES], session, convo, staff.user, take_over=take_over, ip=client_ip(request))
    return "Percakapan sudah Anda ambil alih. Pelanggan diberi tahu lewat WhatsApp."


async def _reply(request: web.Request, session: AsyncSession, convo: Conversation, staff: Staff) -> str:
    text = str((await request.post()).get("text", "")).strip()
    if not text:
        raise ValueError("Tulis pesan dulu.")
    if len(text) > handoff.MAX_REPLY:
        raise ValueError(f"Pesan terlalu panjang (maksimal {handoff.MAX_REPLY} karakter).")
    await handoff.reply(request.app[SERVICES], session, convo, staff.user, text)
    return "Balasan dikirim."


async def _hand_back(request: web.Request, session: AsyncSession, convo: Conversation, staff: Staff) -> str:
    others = convo.mode == handoffs.HUMAN and convo.handoff_agent_id != staff.user.id
    if others and not staff.can(Permission.TAKE_OVER):
        raise HandoffRefused("taken by another agent")
    await handoff.hand_back(request.app[SERVICES], session, convo, staff.user, ip=client_ip(request))
    return "Percakapan dikembalikan ke bot. Pelanggan diberi tahu lewat WhatsApp."


take = _action(_take)
reply = _action(_reply)
hand_back = _action(_hand_back)


# --- live updates ------------------------------------------------------------------------


class ConversationWatch:
    """For one event stream: which conversations changed since the last poll.

    Polls `conversations.updated_at` (indexed) from a little before the newest change it
    has seen, so a transaction that committed late is still caught, and remembers each
    row's (mode, unread, version, agent) so nothing is reported twice."""

    MARGIN = timedelta(seconds=5)

    def __init__(self) -> None:
        self.cursor: datetime | None = None
        self.seen: dict[int, tuple[datetime, tuple[str, int, int, int | None]]] = {}

    async def prime(self, session: AsyncSession) -> int:
        """Start from now; returns the waiting count to show at once."""
        self.cursor = await handoffs.latest_update(session)
        if self.cursor is not None:
            for change in await handoffs.changed_since(session, self.cursor - self.MARGIN):
                self.seen[change.conversation_id] = (change.updated_at, change.signature)
        return await handoffs.waiting_count(session)

    async def poll(self, session: AsyncSession) -> tuple[list[handoffs.Change], int | None]:
        """(changed conversations, the waiting count if anything changed)."""
        since = self.cursor - self.MARGIN if self.cursor is not None else EPOCH
        fresh = [c for c in await handoffs.changed_since(session, since)
                 if self.seen.get(c.conversation_id, (None, None))[1] != c.signature]
        for change in fresh:
            self.seen[change.conversation_id] = (change.updated_at, change.signature)
            if self.cursor is None or change.updated_at > self.cursor:
                self.cursor = change.updated_at
        if self.cursor is not None:
            horizon = self.cursor - self.MARGIN
            self.seen = {k: v for k, v in self.seen.items() if v[0] >= horizon}
        if not fresh:
            return [], None
        return fresh, await handoffs.waiting_count(session)


@web.middleware
async def count_waiting(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The nav link's waiting count, for every admin page a signed-in browser loads."""
    if (
        request.method == "GET"
        and request.path.startswith("/admin")
        and request.path != "/admin/events"
        and request.query.get("partial") != "1"
        and SESSION_COOKIE in request.cookies
    ):
        async with request.app[SERVICES].db.reads() as session:
            request[WAITING_COUNT] = await handoffs.waiting_count(session)
    return await handler(request)


def setup_inbox(app: web.Application) -> None:
    app.middlewares.append(count_waiting)
    app.router.add_get("/admin/inbox", inbox_list)
    app.router.add_get(r"/admin/inbox/{id:\d+}", conversation_detail)
    app.router.add_post(r"/admin/inbox/{id:\d+}/take", take)
    app.router.add_post(r"/admin/inbox/{id:\d+}/reply", reply)
    app.router.add_post(r"/admin/inbox/{id:\d+}/handback", hand_back)
