"""Test doubles one level above HTTP: a recording fake gateway behind httpx.MockTransport."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx


@dataclass
class SentRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The message text, whatever the gateway calls it."""
        if "application/json" in self.headers.get("content-type", ""):
            data = self.json
            if "text" in data and isinstance(data["text"], dict):
                return str(data["text"].get("body", ""))
            if "interactive" in data:
                return str(data["interactive"]["body"]["text"])
            for media in ("document", "image"):  # Cloud API attachments carry a caption
                if isinstance(data.get(media), dict):
                    return str(data[media].get("caption", ""))
            return str(data.get("text") or data.get("message") or data.get("caption") or "")
        form = self.form
        return form.get("message", "")

    @property
    def recipient(self) -> str:
        if "application/json" in self.headers.get("content-type", ""):
            data = self.json
            return str(data.get("to") or data.get("number") or data.get("chatId", "").split("@")[0])
        form = self.form
        return form.get("target") or form.get("phone", "")


@dataclass
class FakeGateway:
    """Answers like the real gateways and records every request. `fail_next` queues
    failures: an HTTP status (500, 429…), "timeout", "disconnect", or a whole answer (an
    httpx.Response, e.g. Meta's error body), which is recorded as a request too."""

    requests: list[SentRequest] = field(default_factory=list)
    failures: list[int | str | httpx.Response] = field(default_factory=list)
    retry_after: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, *failures: int | str | httpx.Response) -> None:
        self.failures.extend(failures)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "timeout":
                raise httpx.ReadTimeout("gateway timed out", request=request)
            if failure == "disconnect":
                raise httpx.RemoteProtocolError("connection closed", request=request)
            if isinstance(failure, httpx.Response):
                self.requests.append(
                    SentRequest(request.method, str(request.url), dict(request.headers), request.content)
                )
                return failure
            headers = {"retry-after": self.retry_after} if self.retry_after else {}
            return httpx.Response(int(failure), json={"error": "failure"}, headers=headers)
        self.requests.append(
            SentRequest(request.method, str(request.url), dict(request.headers), request.content)
        )
        n = next(self._ids)
        path = request.url.path
        if path.endswith("/messages"):  # Meta Cloud API
            return httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": f"wamid.fake{n}"}]})
        if path.endswith("/send"):  # Fonnte
            return httpx.Response(200, json={"status": True, "id": [n], "detail": "success! message in queue"})
        if "/api/send" in path and "wablas" in str(request.url):
            return httpx.Response(200, json={"status": True, "data": {"messages": [{"id": f"wb{n}"}]}})
        if "/message/send" in path:  # Evolution
            return httpx.Response(200, json={"key": {"id": f"EVO{n}"}})
        return httpx.Response(200, json={"id": f"fake{n}", "status": True})

    def texts_to(self, phone: str) -> list[str]:
        return [r.text for r in self.requests if r.recipient == phone]
