"""The outbox sender: claims due outbox rows and delivers them through their gateway.

Retryable failures (timeouts, 5xx, 429) go back with exponential backoff; permanent ones
and rows that used up their attempts are dead-lettered, visibly (admin, /metrics). A
contact's rows go out in order: when one fails, the rest of that contact's batch waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

from ispbot.providers.errors import PermanentGatewayError, RetryableGatewayError
from ispbot.services import Services
from ispbot.storage import outbox
from ispbot.storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Claimed batches being sent at once; past this the sender waits for one to finish before
# claiming more (each holds up to 100 rows and their gateway connections).
MAX_DELIVERIES = 8


class OutboxSender:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._wake = asyncio.Event()
        self._more = False  # the last claim was a full batch
        self._waiting = False  # the last claim left a row behind an earlier one being sent
        self._finished = 0  # deliveries finished so far
        self._deliveries: set[asyncio.Task[None]] = set()  # claimed batches being sent
        self._handed: list[outbox.Handed] = []  # replies the dispatcher wrote claimed, not yet sent
        self._claim_wanted = True  # a wake asked for a claim (not only a hand-over)
        self._to_mark: list[outbox.Delivered] = []  # waiting for the mark in progress to finish
        self._marking = asyncio.Lock()

    def wake(self) -> None:
        """Rows may be claimable: claim at the next round."""
        self._claim_wanted = True
        self._wake.set()

    def idle(self) -> bool:
        """Nothing claimed or handed over is being sent."""
        return not self._deliveries and not self._handed

    def hand_over(self, rows: list[outbox.Handed]) -> None:
        """A turn's replies, committed already claimed for this sender (the dispatcher,
        `outbox.enqueue_many`): sent at the next round without a claim."""
        self._handed.extend(rows)
        self._wake.set()

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Claim what is due and send it, then wait for a wake (a new reply, a row freed)
        or the poll (retries after their backoff). Claims are made one at a time, but a
        claimed batch is sent and marked in its own task, so the next claim does not wait
        for the gateway: with one reply per claim (a quiet hour), one claim after another
        left replies queuing behind round trips (PostgreSQL: p99 near a second at 80
        messages/s). A batch that was not full claimed everything claimable, so the
        sender waits instead of claiming again to find nothing. A contact's next row is
        claimable only once its earlier one is marked sent: a finished delivery wakes the
        sender when the last claim left such a row behind (waking it after every delivery
        cost an empty claim per reply in a quiet hour)."""
        try:
            while True:
                try:
                    await self._start_handed()
                    if self._claim_wanted:
                        self._claim_wanted = False
                        while await self._claim_and_start() and self._more:
                            pass
                except Exception:
                    log.exception("sender: could not read the outbox; retrying")
                try:
                    async with asyncio.timeout(poll_seconds):  # asyncio.timeout: no task per wait, as wait_for made
                        await self._wake.wait()
                except TimeoutError:
                    self._claim_wanted = True  # the poll: retries after their backoff, leases run out
                self._wake.clear()
        finally:
            for task in list(self._deliveries):
                task.cancel()
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def _start_handed(self) -> None:
        """Send what the dispatcher handed over since the last round, as one batch."""
        if not self._handed:
            return
        await self._room_for_delivery()
        rows, self._handed = self._handed, []
        self._start_delivery(rows)

    async def _room_for_delivery(self) -> None:
        if len(self._deliveries) >= MAX_DELIVERIES:
            await asyncio.wait(self._deliveries, return_when=asyncio.FIRST_COMPLETED)

    def _start_delivery(self, rows: list[OutboxMessage | outbox.Handed]) -> None:
        task = asyncio.create_task(self._deliver(rows), name="sender:batch")
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _claim_and_start(self, limit: int = 100) -> int:
        await self._room_for_delivery()
        finished = self._finished
        claim = await self._claim(limit)
        self._more, self._waiting = claim.full, claim.waiting
        if claim.waiting and self._finished != finished:
            self.wake()  # a delivery finished during the claim: what it left may be free now
        if claim.rows:
            self._start_delivery(list(claim.rows))
        return len(claim.rows)

    async def _deliver(self, rows: list[OutboxMessage | outbox.Handed]) -> None:
        try:
            await self._send_and_mark(rows)
        except Exception:
            log.exception("sender: a batch failed midway; its unmarked rows are re-sent after their lease")
        finally:
            self._finished += 1
            if self._waiting:
                self.wake()  # a row the last claim left behind may be claimable now

    async def drain(self) -> int:
        """Send everything due now (tests, CLI). Returns how many rows were attempted."""
        total = 0
        while attempted := await self.send_due():
            total += attempted
        return total

    async def send_due(self, limit: int = 100) -> int:
        """Claim due rows, send them (each contact's in order, contacts at once), then mark
        the delivered ones sent in ONE transaction: a crash before that mark re-sends them
        after the lease, as a crash between any send and its mark always could."""
        rows: list[OutboxMessage | outbox.Handed]
        if self._handed:
            rows, self._handed = self._handed, []
        else:
            rows = list((await self._claim(limit)).rows)
        await self._send_and_mark(rows)
        return len(rows)

    async def _claim(self, limit: int) -> outbox.Claim:
        async with self.services.db.transaction(on_loop=True) as session:
            return await outbox.claim_due_batch(
                session,
                self.services.clock.now(),
                limit,
                lease=timedelta(seconds=self.services.settings.outbox_lease_seconds),
            )

    async def _send_and_mark(self, rows: list[OutboxMessage | outbox.Handed]) -> None:
        by_contact: dict[str, list[OutboxMessage | outbox.Handed]] = defaultdict(list)
        for row in rows:
            by_contact[row.contact_key].append(row)
        delivered: list[outbox.Delivered] = []
        try:
            await asyncio.gather(*(self._send_in_order(batch, delivered) for batch in by_contact.values()))
        finally:
            if delivered:
                await self._mark_sent(delivered)

    async def _mark_sent(self, delivered: list[outbox.Delivered]) -> None:
        """Mark delivered rows sent, in one statement (executemany) with whatever other
        deliveries finished while the previous mark was being written: under load a mark
        per delivery would be a transaction per reply."""
        self._to_mark.extend(delivered)
        async with self._marking:
            batch, self._to_mark = self._to_mark, []
            if not batch:
                return  # the mark before this one took these rows too
            async with self.services.db.autocommit() as session:
                await outbox.mark_all_sent(session, batch)

    async def _send_in_order(
        self, batch: list[OutboxMessage | outbox.Handed], delivered: list[outbox.Delivered]
    ) -> None:
        for index, row in enumerate(batch):
            if not await self._send_one(row, delivered):
                async with self.services.db.transaction(on_loop=True) as session:
                    for later in batch[index + 1 :]:
                        await outbox.release(session, later.id)
                return

    async def _send_one(self, row: OutboxMessage | outbox.Handed, delivered: list[outbox.Delivered]) -> bool:
        """Deliver one row. False when it must be retried later (the contact waits)."""
        services = self.services
        provider = services.provider_for(row.provider)
        try:
            result = await provider.send(outbox.as_message(row))
        except RetryableGatewayError as exc:
            return await self._failed(row, str(exc), permanent=False, retry_after=exc.retry_after)
        except PermanentGatewayError as exc:
            await self._failed(row, str(exc), permanent=True)
            return True
        except Exception as exc:
            log.exception("sender: unexpected error from %s", provider.name)
            return await self._failed(row, repr(exc), permanent=False)
        delivered.append(outbox.Delivered(row.id, row.attempts, result.message_id, services.clock.now()))
        services.metrics.sent.labels(row.provider).inc()
        return True

    async def _failed(
        self, row: OutboxMessage | outbox.Handed, error: str, *, permanent: bool, retry_after: float | None = None
    ) -> bool:
        services = self.services
        async with services.db.transaction(on_loop=True) as session:
            status = await outbox.mark_failed(
                session,
                row,
                error,
                services.clock.now(),
                permanent=permanent,
                max_attempts=services.settings.outbox_max_attempts,
                retry_after=retry_after,
            )
        services.metrics.send_failures.labels(row.provider, "permanent" if permanent else "retry").inc()
        if status == "dead":
            log.warning("sender: outbox row %s dead-lettered: %s", row.id, error[:200])
            return True
        return False
