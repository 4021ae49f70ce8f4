"""A fake WhatsApp gateway: a real HTTP server that answers like Fonnte (`POST /send`, a
form) and Meta's Cloud API (`POST /{version}/{number id}/messages`, JSON), and records
every message it is asked to send, with the time it arrived."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Sent:
    """One message the gateway was asked to deliver."""

    to: str
    text: str
    at: float  # time.perf_counter() on arrival
    choices: tuple[tuple[str, str], ...] = ()  # Cloud API buttons/list rows: (id, title)
    interactive: str = ""  # Cloud API: "button" or "list" when choices were offered


@dataclass
class RecordingGateway:
    sent: list[Sent] = field(default_factory=list)
    by_phone: dict[str, list[Sent]] = field(default_factory=lambda: defaultdict(list))
    _arrived: dict[str, asyncio.Event] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/send", self._fonnte)
        app.router.add_post("/{version}/{number_id}/messages", self._cloudapi)
        return app

    async def start(self, port: int | None = None) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        self.port = port or free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def count(self, phone: str) -> int:
        return len(self.by_phone.get(phone, ()))

    async def wait_for(self, phone: str, count: int, within: float) -> bool:
        """Until `phone` has received `count` messages; False when `within` seconds pass first."""
        deadline = time.perf_counter() + within
        while self.count(phone) < count:
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            event = self._arrived.setdefault(phone, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), timeout=left)
            except TimeoutError:
                return False
            finally:
                event.clear()
        return True

    def _record(self, to: str, text: str, choices: tuple[tuple[str, str], ...] = (), interactive: str = "") -> int:
        sent = Sent(to=to, text=text, at=time.perf_counter(), choices=choices, interactive=interactive)
        self.sent.append(sent)
        self.by_phone[to].append(sent)
        event = self._arrived.get(to)
        if event is not None:
            event.set()
        return len(self.sent)

    async def _fonnte(self, request: web.Request) -> web.Response:
        form = await request.post()
        number = self._record(str(form.get("target", "")), str(form.get("message", "")))
        return web.json_response({"status": True, "id": [number], "process": "pending"})

    async def _cloudapi(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        text, choices = _cloudapi_content(body)
        interactive = str((body.get("interactive") or {}).get("type", "")) if choices else ""
        number = self._record(str(body.get("to", "")), text, choices, interactive)
        return web.json_response({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
            "messages": [{"id": f"wamid.bench{number}"}],
        })


def _cloudapi_content(body: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    if body.get("type") == "interactive":
        interactive = body.get("interactive") or {}
        text = str((interactive.get("body") or {}).get("text", ""))
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            ids = tuple((str(b["reply"]["id"]), str(b["reply"]["title"])) for b in action.get("buttons", []))
        else:
            ids = tuple((str(r["id"]), str(r["title"])) for s in action.get("sections", []) for r in s.get("rows", []))
        return text, ids
    return str((body.get("text") or {}).get("body", "")), ()
