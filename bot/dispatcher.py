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
from datetime import timedelta
from enum import Enum
from typing import Protocol

from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundMessage, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, inbox, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A contact another process (or a staff action) holds is tried again after these pauses;
# then the inbox poll takes over. Its holder commits in milliseconds.
HELD_RETRY_SECONDS = (0.02, 0.05, 0.1, 0.2, 0.4)
Handler = Callable[[Turn], Awaitable[None]]


class Outcome(Enum):
    """What handling a contact's next message came to."""

    IDLE = "nothing pending"
    HELD = "another transaction holds the contact"
    MORE = "another message is pending (or this one failed and is tried again)"
    DONE = "handled; nothing was pending behind it"


class ReplyTaker(Protocol):
    """The sender, as the dispatcher hands it a turn's replies (`OutboxSender`)."""

    def idle(self) -> bool: ...  # nothing being sent: a claim would take this turn's replies alone

    def hand_over(self, rows: list[outbox.Handed]) -> None: ...


class Dispatcher:
    def __init__(
        self, services: Services, handler: Handler, on_outbox: Callable[[], None], replies: ReplyTaker | None = None
    ) -> None:
        """`on_outbox`: rows were written for the sender to claim. `replies`: this
        process's sender, which takes a turn's replies written claimed while it is idle
        (`outbox.enqueue_many`); without it every reply is left for a claim."""
        self.services = services
        self.handler = handler
        self.on_outbox = on_outbox
        self.replies = replies
        self._lease = timedelta(seconds=services.settings.outbox_lease_seconds)
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
            with contextlib.suppress(TimeoutError):  # asyncio.timeout: no task per wait, as wait_for made
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
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
        next pending message too, so the worker knows without another transaction whether
        to go on; a message stored while the turn ran woke this process (`_recheck`), or,
        stored by another process, is that process's to handle: it finds the contact held
        and tries again shortly (HELD below), after this turn's commit."""
        held = 0  # tries that found the contact held by another transaction
        try:
            while True:
                self._recheck.discard(contact_key)
                outcome = await self._handle_next(contact_key)
                if outcome is Outcome.HELD:
                    if held == len(HELD_RETRY_SECONDS):
                        return  # still held (a long staff action or job): the poll retries
                    await asyncio.sleep(HELD_RETRY_SECONDS[held])
                    held += 1
                    continue
                held = 0
                if outcome is not Outcome.MORE and contact_key not in self._recheck:
                    return  # IDLE or DONE, and no message stored since
        finally:
            self._active.pop(contact_key, None)
            self._recheck.discard(contact_key)

    async def _handle_next(self, contact_key: str) -> Outcome:
        """Handle the contact's oldest pending message: IDLE when there is none, HELD when
        another transaction holds the contact, otherwise MORE (another message is pending
        behind it, or it failed and is tried again) or DONE.

        The conversation row is locked first and the inbox read under the lock; the inbox is
        peeked at first only when that finds no row to lock (a new contact, or one held)."""
        services = self.services
        now = services.clock.now()
        seen: tuple[int, int, InboundMessage] | None = None  # (inbox id, attempts, message)
        try:
            async with services.db.transaction(on_loop=True) as session:
                conversation = await conversations.try_lock_existing(session, contact_key)
                if conversation is None:
                    # A new contact (the row is created), or a row another transaction
                    # holds (PostgreSQL: another process's turn, a staff action).
                    peek = await inbox.next_pending(session, contact_key)
                    if peek is None:
                        return Outcome.IDLE
                    seen = (peek.id, peek.attempts, InboundMessage.from_json(peek.payload))
                    conversation = await conversations.try_lock(
                        session, seen[2].contact, seen[2].provider, now, services.settings.locale
                    )
                    if conversation is None:
                        return Outcome.HELD
                pending = await inbox.oldest_pending(session, contact_key, 2)  # under the lock
                if not pending:
                    return Outcome.IDLE
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
                # An idle sender would claim these replies alone, in a transaction of its own:
                # they are written claimed and handed to it. A busy one claims them in a
                # batch with others' (a claim per reply costs more than the check it saves).
                replies = self.replies if self.replies is not None and self.replies.idle() else None
                handed = await outbox.enqueue_many(
                    session, provider=conversation.provider, messages=turn.replies, now=now, inbox_id=row.id,
                    claim_for=self._lease if replies else None,
                )
                await inbox.mark_done(session, row.id, now)
                received_at = row.received_at
        except Exception as exc:
            log.exception("dispatcher: handling failed (contact %s)", _hashed(contact_key))
            if seen is None:
                return Outcome.IDLE  # the inbox could not be read; the next wake or poll retries
            await self._record_failure(seen[0], seen[1], seen[2], repr(exc))
            return Outcome.MORE
        services.metrics.processing.labels(message.provider).observe(
            max(0.0, (services.clock.now() - received_at).total_seconds())
        )
        if handed and self.replies is not None:
            self.replies.hand_over(handed)
        else:
            self.on_outbox()
        return Outcome.MORE if len(pending) > 1 else Outcome.DONE

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
