"""The outbox sender: claims due outbox rows and delivers them through their gateway.

Retryable failures (timeouts, 5xx, 429) go back with exponential backoff; permanent ones
and rows that used up their attempts are dead-lettered, visibly (admin, /metrics). A
contact's rows go out in order: when one fails, the rest of that contact's batch waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta

from ispbot.providers.errors import PermanentGatewayError, RetryableGatewayError
from ispbot.services import Services
from ispbot.storage import outbox
from ispbot.storage.models import OutboxMessage

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._wake = asyncio.Event()
        self._more = False  # the last claim was a full batch

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Send what is due, then wait for a wake (a new reply) or the poll (retries after
        their backoff). A batch that was not full claimed everything claimable, so the
        sender waits instead of claiming again to find nothing; a reply enqueued meanwhile
        has set the wake."""
        while True:
            try:
                while await self.send_due() and self._more:
                    pass
            except Exception:
                log.exception("sender: could not read the outbox; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            self._wake.clear()

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
        async with self.services.db.transaction(on_loop=True) as session:
            rows, self._more = await outbox.claim_due_batch(
                session,
                self.services.clock.now(),
                limit,
                lease=timedelta(seconds=self.services.settings.outbox_lease_seconds),
            )
        by_contact: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_contact[row.contact_key].append(row)
        delivered: list[outbox.Delivered] = []
        try:
            await asyncio.gather(*(self._send_in_order(batch, delivered) for batch in by_contact.values()))
        finally:
            if delivered:
                async with self.services.db.transaction(on_loop=True) as session:
                    await outbox.mark_all_sent(session, delivered)
        return len(rows)

    async def _send_in_order(self, batch: list[OutboxMessage], delivered: list[outbox.Delivered]) -> None:
        for index, row in enumerate(batch):
            if not await self._send_one(row, delivered):
                async with self.services.db.transaction(on_loop=True) as session:
                    for later in batch[index + 1 :]:
                        await outbox.release(session, later.id)
                return

    async def _send_one(self, row: OutboxMessage, delivered: list[outbox.Delivered]) -> bool:
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
        self, row: OutboxMessage, error: str, *, permanent: bool, retry_after: float | None = None
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
