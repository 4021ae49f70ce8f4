"""The load generator: plays many customers at once through the real webhook endpoint, in
Fonnte's or the Cloud API's own wire format, each waiting for the bot's reply before its
next message (as a person does). Closed loop (as fast as replies come: saturation) or
paced by a shared clock to a fixed offered rate (e.g. 80 messages/s)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ispbot.bench.gateway import RecordingGateway
from ispbot.bench.script import Customer, Share, Step, Tap

CLOUDAPI_APP_SECRET = "bench-app-secret"  # noqa: S105  (signs the fake webhooks of a bench run)
CLOUDAPI_NUMBER_ID = "1122334455667"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105  (Fonnte's shared secret in a bench run)
# Message ids are unique across the whole run (the product drops a repeated id as a retry).
_MESSAGE_IDS = itertools.count(1)


class Pacer:
    """Hands out send slots at most `rate` per second. A slot nobody is ready for is not
    made up later, so the offered load never bursts above the rate."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: float | None = None
        self._lock = asyncio.Lock()

    async def slot(self) -> None:
        async with self._lock:
            now = time.perf_counter()
            at = now if self._next is None else max(self._next, now)
            self._next = at + self.interval
            if at > now:
                await asyncio.sleep(at - now)


@dataclass
class Tally:
    """What one scenario saw."""

    sent: int = 0  # webhooks acknowledged with 200
    refused: int = 0  # webhooks answered otherwise (or not at all)
    unanswered: int = 0  # acknowledged but no reply within the timeout
    wrong: int = 0  # a reply that was not the answer to the customer's message
    latencies: list[float] = field(default_factory=list)  # seconds, webhook sent → reply arrived
    expected_by_phone: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the first few, to show in the report
    started: float = 0.0
    finished: float = 0.0

    def note(self, problem: str) -> None:
        if len(self.problems) < 5:
            self.problems.append(problem)

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)


class LoadGenerator:
    def __init__(
        self, target: str, gateway: RecordingGateway, *, check_replies: bool = True, reply_timeout: float = 30.0
    ) -> None:
        self.target = target.rstrip("/")
        self.gateway = gateway
        self.check_replies = check_replies
        self.reply_timeout = reply_timeout
        self._run = f"{time.time_ns():x}"

    async def play(
        self,
        customers: list[Customer],
        script: Callable[[Customer], list[Step]],
        *,
        concurrency: int,
        pacer: Pacer | None = None,
        on_message: Callable[[], None] = lambda: None,
    ) -> Tally:
        tally = Tally()
        queue: asyncio.Queue[Customer] = asyncio.Queue()
        for customer in customers:
            queue.put_nowait(customer)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def worker() -> None:
                while not queue.empty():
                    customer = queue.get_nowait()
                    await self._customer(http, customer, script(customer), tally, pacer, on_message)

            tally.started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(customers)))))
            tally.finished = time.perf_counter()
        return tally

    async def _customer(
        self, http: aiohttp.ClientSession, customer: Customer, steps: list[Step], tally: Tally,
        pacer: Pacer | None, on_message: Callable[[], None],
    ) -> None:
        phone = customer.phone
        for step in steps:
            if pacer is not None:
                await pacer.slot()
            seen = self.gateway.count(phone)
            body, headers = self.webhook(customer, step)
            started = time.perf_counter()
            try:
                async with http.post(f"{self.target}/webhooks/{customer.gateway}", data=body, headers=headers) as r:
                    accepted = r.status == 200
                    await r.read()
            except aiohttp.ClientError:
                accepted = False
            if not accepted:
                tally.refused += 1
                return  # a real gateway would retry; the customer is counted as refused
            tally.sent += 1
            tally.expected_by_phone[phone] = tally.expected_by_phone.get(phone, 0) + 1
            on_message()
            if not await self.gateway.wait_for(phone, seen + 1, self.reply_timeout):
                tally.unanswered += 1
                tally.note(f"{customer.gateway} {phone}: no reply to {_shown(step)} within {self.reply_timeout:.0f} s")
                return
            reply = self.gateway.by_phone[phone][seen]
            tally.latencies.append(reply.at - started)
            if self.check_replies and step.expect not in reply.text:
                tally.wrong += 1
                tally.note(f"{customer.gateway} {phone}: {_shown(step)} got {reply.text[:60]!r}, expected {step.expect!r}")
                return  # the conversation went off script; stop this customer

    def webhook(self, customer: Customer, step: Step) -> tuple[bytes, dict[str, str]]:
        if customer.gateway == "cloudapi":
            raw = json.dumps(self._cloudapi(customer, step)).encode()
            signature = hmac.new(CLOUDAPI_APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
            return raw, {"content-type": "application/json", "x-hub-signature-256": f"sha256={signature}"}
        return json.dumps(self._fonnte(customer, step)).encode(), {
            "content-type": "application/json", "x-webhook-secret": WEBHOOK_SECRET,
        }

    def _fonnte(self, customer: Customer, step: Step) -> dict[str, Any]:
        body: dict[str, Any] = {
            "device": "6281200000900", "sender": customer.phone, "name": "Budi", "type": "text",
            "inboxid": next(_MESSAGE_IDS), "isgroup": False, "location": "", "url": "", "extension": "", "filename": "",
        }
        if isinstance(step, Share):
            body.update(type="location", location=f"{step.latitude},{step.longitude}", message="")
        else:
            body["message"] = step.typed if isinstance(step, Tap) else step.text
        return body

    def _cloudapi(self, customer: Customer, step: Step) -> dict[str, Any]:
        message: dict[str, Any] = {
            "from": customer.phone, "id": f"wamid.bench.{self._run}.{next(_MESSAGE_IDS)}", "timestamp": f"{int(time.time())}",
        }
        if isinstance(step, Tap):
            choice_id, title = self._choice(customer.phone, step)
            kind = "list_reply" if self._last_interactive(customer.phone) == "list" else "button_reply"
            message.update(type="interactive", interactive={"type": kind, kind: {"id": choice_id, "title": title}})
        elif isinstance(step, Share):
            message.update(type="location", location={"latitude": step.latitude, "longitude": step.longitude})
        else:
            message.update(type="text", text={"body": step.text})
        return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281200000900", "phone_number_id": CLOUDAPI_NUMBER_ID},
            "contacts": [{"profile": {"name": "Budi"}, "wa_id": customer.phone}],
            "messages": [message]}}]}]}

    def _choice(self, phone: str, step: Tap) -> tuple[str, str]:
        offered = self.gateway.by_phone[phone][-1].choices if self.gateway.by_phone.get(phone) else ()
        for choice_id, title in offered:
            if step.title.lower() in title.lower():
                return choice_id, title
        return step.typed, step.typed  # nothing offered: the bot reads the typed fallback

    def _last_interactive(self, phone: str) -> str:
        return self.gateway.by_phone[phone][-1].interactive if self.gateway.by_phone.get(phone) else ""


def _shown(step: Step) -> str:
    if isinstance(step, Share):
        return "a location"
    return repr(step.typed if isinstance(step, Tap) else step.text)
