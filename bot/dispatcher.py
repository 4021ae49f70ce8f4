"""The dispatcher: takes stored inbound messages and feeds them to the flows, one contact at
a time, in arrival order.

Each message is handled in ONE transaction: the conversation row is locked, the contact's
oldest pending message is read under that lock, the flow runs, its replies go into the
outbox and the inbox row is marked done. A crash anywhere leaves the message pending, so it
is handled again after a restart; a commit makes its effects and its "done" mark durable
together (exactly-once effect per inbound message).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundMessage, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, inbox, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
Handler = Callable[[Turn], Awaitable[None]]


class Dispatcher:
    def __init__(self, services: Services, handler: Handler, on_outbox: Callable[[], None]) -> None:
        self.services = services
        self.handler = handler
        self.on_outbox = on_outbox
        self._wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._recheck: set[str] = set()  # active contacts the inbox showed pending again
        self._hints: set[str] = set()  # contacts webhooks stored messages for since the last round
        self._scan = True  # read the inbox at the next round

    def wake(self, contact_keys: Iterable[str] | None = None) -> None:
        """New messages are stored: of these contacts (a webhook knows which), or of any
        (then the inbox is read)."""
        if contact_keys is None:
            self._scan = True
        else:
            self._hints.update(contact_keys)
        self._wake.set()

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Forever: start a worker for every contact with pending messages. A webhook's wake
        names its contacts, so they start without reading the inbox; the inbox is read at
        start, on a plain wake and at every poll (a message stored by another process, one
        left by a failure or a restart)."""
        loop = asyncio.get_running_loop()
        self._scan = True
        last_scan = loop.time()
        while True:
            scan = self._scan or loop.time() - last_scan >= poll_seconds  # busy or not
            self._scan = False
            hints, self._hints = self._hints, set()
            try:
                if scan:
                    last_scan = loop.time()
                    await self._start_workers()
                else:
                    self._start(hints)
            except Exception:
                log.exception("dispatcher: could not read the inbox; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            self._wake.clear()  # hints added since are kept in _hints for the next round

    async def drain(self) -> None:
        """Handle everything pending now, then return (tests, CLI)."""
        while True:
            await self._start_workers()
            if not self._active:
                return
            await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._active.values()):
            task.cancel()
        await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def _start_workers(self) -> None:
        async with self.services.db.sessions() as session:
            contacts = await inbox.pending_contacts(session)
        self._start(contacts)

    def _start(self, contacts: Iterable[str]) -> None:
        for contact_key in contacts:
            if contact_key in self._active:
                # Its worker may have just read the inbox without this message: it looks
                # again before it stops (see _work).
                self._recheck.add(contact_key)
            else:
                task = asyncio.create_task(self._work(contact_key), name=f"contact:{contact_key}")
                self._active[contact_key] = task

    async def _work(self, contact_key: str) -> None:
        """Handle the contact's messages until none is pending. A turn reads the contact's
        next pending message too, so on SQLite (where the turn holds the database's write
        lock, and a row of another process is never skipped) the worker knows without
        another transaction whether to go on. On PostgreSQL it always looks once more after
        a turn: another process that found the contact locked left its message to us."""
        expect = True  # the inbox showed a pending message
        try:
            while True:
                self._recheck.discard(contact_key)
                outcome = await self._handle_next(contact_key, expect=expect)
                if outcome is None:  # nothing pending (or the contact is held elsewhere)
                    if contact_key not in self._recheck:
                        return
                    expect = True
                    continue
                expect = outcome
                if not outcome and not self.services.db.is_postgres and contact_key not in self._recheck:
                    return
        finally:
            self._active.pop(contact_key, None)
            self._recheck.discard(contact_key)

    async def _handle_next(self, contact_key: str, *, expect: bool = True) -> bool | None:
        """Handle the contact's oldest pending message. None when there is none (or another
        process holds the contact); otherwise whether another message was pending behind it
        (True after a failure: the message is tried again).

        With `expect` (a pending message was seen) the conversation row is locked first and
        the inbox read under the lock; without it the inbox is peeked at first, so that
        finding nothing costs one query."""
        services = self.services
        now = services.clock.now()
        seen: tuple[int, int, InboundMessage] | None = None  # (inbox id, attempts, message)
        try:
            async with services.db.transaction(on_loop=True) as session:
                conversation = (
                    await conversations.try_lock_existing(session, contact_key) if expect else None
                )
                if conversation is None:
                    # A new contact (the row is created), a peek, or a row another process
                    # holds (PostgreSQL): it handles this message too, as it reads the
                    # contact's next message after each one (and if a job or a staff action
                    # held it, the next poll retries).
                    peek = await inbox.next_pending(session, contact_key)
                    if peek is None:
                        return None
                    seen = (peek.id, peek.attempts, InboundMessage.from_json(peek.payload))
                    conversation = await conversations.try_lock(
                        session, seen[2].contact, seen[2].provider, now, services.settings.locale
                    )
                    if conversation is None:
                        return None
                pending = await inbox.oldest_pending(session, contact_key, 2)  # under the lock
                if not pending:
                    return None
                row = pending[0]
                message = InboundMessage.from_json(row.payload)
                seen = (row.id, row.attempts, message)
                if conversation.provider != message.provider:
                    conversation.provider = message.provider  # replies go back the way the customer wrote
                turn = Turn(
                    session=session,
                    conversation=conversation,
                    message=message,
                    now=now,
                    settings=services.settings,
                    messages=services.messages,
                )
                await self.handler(turn)
                # Before the replies' INSERT, whose autoflush then writes the conversation
                # row in one UPDATE together with what the turn changed.
                conversation.version += 1
                conversation.updated_at = now
                conversation.last_inbound_at = now
                await outbox.enqueue_many(
                    session, provider=conversation.provider, messages=turn.replies, now=now, inbox_id=row.id
                )
                await inbox.mark_done(session, row.id, now)
                received_at = row.received_at
        except Exception as exc:
            log.exception("dispatcher: handling failed (contact %s)", _hashed(contact_key))
            if seen is None:
                return None  # the inbox could not be read; the next wake or poll retries
            await self._record_failure(seen[0], seen[1], seen[2], repr(exc))
            return True
        services.metrics.processing.labels(message.provider).observe(
            max(0.0, (services.clock.now() - received_at).total_seconds())
        )
        self.on_outbox()
        return len(pending) > 1

    async def _record_failure(
        self, inbox_id: int, attempts: int, message: InboundMessage, error: str
    ) -> None:
        """Count the failure; after MAX_ATTEMPTS give up and apologise, so a poison message
        never blocks the contact's later messages."""
        services = self.services
        now = services.clock.now()
        give_up = attempts + 1 >= MAX_ATTEMPTS
        async with services.db.transaction(on_loop=True) as session:
            await inbox.record_failure(session, inbox_id, error, now, give_up=give_up)
            if give_up and message.contact.is_indonesian:
                text = services.messages.render(services.settings.locale, "internal_error")
                await outbox.enqueue(
                    session,
                    provider=message.provider,
                    message=OutboundMessage(to=message.contact, kind=OutboundKind.TEXT, text=text),
                    now=now,
                    inbox_id=inbox_id,
                    purpose="internal_error",
                )
        if give_up:
            self.on_outbox()


def _hashed(contact_key: str) -> str:
    """Logs never carry a full phone number."""
    return hashlib.sha256(contact_key.encode()).hexdigest()[:10]
