"""Three `ispbot serve` processes on one PostgreSQL database, as behind a load balancer:
each phone's messages are sprayed across the processes in bursts (without waiting for
replies), and one process is SIGKILLed mid-load. Every acknowledged message must be
handled once, in its phone's order, and every reply reach the gateway in that order.

Each customer plays the start of the registration chat, whose every reply asks the next
question: a message handled out of order (or twice) shows up as a wrong reply."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from ispbot.bench import processes
from ispbot.bench.customers import LoadGenerator
from ispbot.bench.gateway import RecordingGateway, free_port
from ispbot.bench.script import Customer, Step, registration
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import InboxMessage, OutboxMessage
from ispbot.storage.users import Role, create_user
from tests.conftest import WEBHOOK_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PHONES = 16
STEPS = 9  # halo … RT/RW: no step needs a button
PASSWORD = "scale-out-password"


def script(customer: Customer) -> list[Step]:
    return registration(customer)[:STEPS]


class Cluster:
    """The recording gateway and three service processes on one database."""

    def __init__(self, db_url: str, tmp_path: Path, lease_seconds: int = 30) -> None:
        self.db_url = db_url
        self.lease_seconds = lease_seconds
        self.tmp_path = tmp_path
        self.gateway = RecordingGateway()
        self.ports = [free_port() for _ in range(3)]
        self.processes: list[processes.Process | None] = []

    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("ISPBOT_")},
            "ISPBOT_DATABASE_URL": self.db_url, "ISPBOT_PROVIDER": "fonnte", "ISPBOT_FONNTE_TOKEN": "t", "ISPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ISPBOT_FONNTE_BASE_URL": self.gateway.url, "ISPBOT_DATA_DIR": str(self.tmp_path / "data"),
            "ISPBOT_SECRET_KEY": "scale-out-secret", "ISPBOT_OUTBOX_LEASE_SECONDS": str(self.lease_seconds),
        }

    async def __aenter__(self) -> Cluster:
        db = Database(self.db_url)
        async with db.transaction() as session:
            await seed_packages(session)
            await create_user(session, username="cs1", password=PASSWORD, role=Role("cs"), now=datetime.now(UTC))
        await db.dispose()
        await self.gateway.start()
        self.processes = list(await asyncio.gather(*(
            processes.start_service(self.env(), port, log=self.tmp_path / f"p{port}.log") for port in self.ports)))
        return self

    async def __aexit__(self, *_: object) -> None:
        for process in self.processes:
            if process is not None:
                await processes.stop(process, kill=True)
        await self.gateway.stop()

    async def kill(self, index: int) -> None:
        process = self.processes[index]
        assert process is not None
        process.send_signal(signal.SIGKILL)
        await process.wait()
        self.processes[index] = None

    async def spray(self, customers: list[Customer], *, kill_after: int | None = None) -> set[str]:
        """Each phone's messages in order, message k to process (phone + k) mod 3, phones
        at once; a process that does not answer is skipped (as nginx's next upstream).
        Returns the dedupe keys of the acknowledged messages."""
        load = LoadGenerator("http://unused", self.gateway)
        acknowledged: set[str] = set()

        async def one_phone(http: aiohttp.ClientSession, n: int, customer: Customer) -> None:
            for k, step in enumerate(script(customer)):
                body, headers = load.webhook(customer, step)
                for attempt in range(3):
                    index = (n + k + attempt) % 3
                    try:
                        url = f"http://127.0.0.1:{self.ports[index]}/webhooks/fonnte?secret={WEBHOOK_SECRET}"
                        async with http.post(url, data=body, headers=headers) as response:
                            if response.status == 200:
                                acknowledged.add(f"id:{json.loads(body)['inboxid']}")
                                break
                    except aiohttp.ClientError:
                        continue
                else:
                    raise AssertionError("no process acknowledged a message")
                if kill_after is not None and len(acknowledged) >= kill_after and self.processes[0] is not None:
                    await self.kill(0)

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            await asyncio.gather(*(one_phone(http, n, c) for n, c in enumerate(customers)))
        return acknowledged

    async def settled(self, expected: int, within: float = 60.0) -> tuple[list[InboxMessage], list[OutboxMessage]]:
        """Poll (bounded) until every inbox row is done, every outbox row sent and the
        gateway has at least `expected` messages; then the rows."""
        db = Database(self.db_url)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        try:
            while True:
                async with db.sessions() as s:
                    open_in = (await s.execute(select(func.count()).where(InboxMessage.status != "done"))).scalar_one()
                    open_out = (await s.execute(select(func.count()).where(OutboxMessage.status != "sent"))).scalar_one()
                if (open_in == open_out == 0 and len(self.gateway.sent) >= expected) or loop.time() > deadline:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # a duplicate send would show now
            async with db.sessions() as s:
                inbox_rows = list((await s.execute(select(InboxMessage).order_by(InboxMessage.id))).scalars())
                outbox_rows = list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
        finally:
            await db.dispose()
        return inbox_rows, outbox_rows


def collapse(texts: list[str]) -> list[str]:
    """Adjacent repeats folded: what the customer saw, less at-least-once re-sends."""
    return [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]


def check_order(cluster: Cluster, customers: list[Customer], *, allow_resends: bool) -> int:
    """Each phone got the answers to its messages in order; returns re-sent duplicates."""
    duplicates = 0
    for customer in customers:
        texts = [s.text for s in cluster.gateway.by_phone[customer.phone]]
        seen = collapse(texts) if allow_resends else texts
        duplicates += len(texts) - len(seen)
        expected = [step.expect for step in script(customer)]
        assert len(seen) == len(expected), (customer.phone, texts)
        for text, expect in zip(seen, expected, strict=True):
            assert expect in text, (customer.phone, expect, text)
    return duplicates


def check_exactly_once(acknowledged: set[str], inbox_rows: list[InboxMessage], outbox_rows: list[OutboxMessage]) -> None:
    assert {row.dedupe_key for row in inbox_rows} == acknowledged  # nothing lost, nothing extra
    assert all(row.status == "done" for row in inbox_rows)
    replies = Counter(row.inbox_id for row in outbox_rows)
    assert set(replies) == {row.id for row in inbox_rows} and set(replies.values()) == {1}  # one reply each
    assert all(row.status == "sent" for row in outbox_rows)
    for contact in {row.contact_key for row in inbox_rows}:  # replies written in message order
        order = [row.inbox_id for row in outbox_rows if row.contact_key == contact]
        assert order == sorted(order)


async def test_bursts_sprayed_over_three_processes_keep_order_once(postgres_url: str, tmp_path: Path) -> None:
    customers = [Customer(n, "fonnte") for n in range(500, 500 + PHONES)]
    async with Cluster(postgres_url, tmp_path) as cluster:
        acknowledged = await cluster.spray(customers)
        inbox_rows, outbox_rows = await cluster.settled(PHONES * STEPS)
        check_exactly_once(acknowledged, inbox_rows, outbox_rows)
        assert check_order(cluster, customers, allow_resends=False) == 0
        assert len(cluster.gateway.sent) == len(outbox_rows) == PHONES * STEPS  # no double sends

        # A staff session opened on one process works on the others.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            first = f"http://127.0.0.1:{cluster.ports[0]}"
            form = await (await browser.get(f"{first}/admin/login")).text()
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            login = await browser.post(f"{first}/admin/login", allow_redirects=False,
                                       data={"username": "cs1", "password": PASSWORD, "csrf_token": token[1]})
            assert login.status == 303
            for port in cluster.ports[1:]:
                page = await browser.get(f"http://127.0.0.1:{port}/admin/registrations", allow_redirects=False)
                assert page.status == 200


async def test_a_process_killed_mid_load_loses_nothing(postgres_url: str, tmp_path: Path) -> None:
    customers = [Customer(n, "fonnte") for n in range(600, 600 + PHONES)]
    # A short outbox lease, so that the rows the killed process had claimed are taken
    # over soon (a lease shorter than a busy sender's batch could re-send, hence 10 s).
    async with Cluster(postgres_url, tmp_path, lease_seconds=10) as cluster:
        acknowledged = await cluster.spray(customers, kill_after=PHONES * STEPS // 3)
        assert cluster.processes[0] is None  # the kill happened mid-load
        inbox_rows, outbox_rows = await cluster.settled(PHONES * STEPS, within=90)
        check_exactly_once(acknowledged, inbox_rows, outbox_rows)
        resent = check_order(cluster, customers, allow_resends=True)
        # At-least-once delivery: only a reply the killed process had handed to the
        # gateway but not yet marked sent may go out twice, right after itself.
        print(f"\nscale-out kill: {len(acknowledged)} messages, lost 0, re-sent {resent}")
