"""Play a customer: send real-format webhooks (Fonnte or Cloud API) and read the replies
the fake gateway received."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any

from tests.conftest import Harness

_ids = itertools.count(1)

CLOUDAPI = {
    "provider": "cloudapi",
    "cloudapi_token": "test-token",
    "cloudapi_phone_number_id": "1122334455667",
    "cloudapi_app_secret": "app-secret",
}
FONNTE = {"provider": "fonnte", "fonnte_token": "test-token"}


class Chat:
    def __init__(self, harness: Harness, phone: str = "6281200000101", gateway: str = "fonnte") -> None:
        self.h = harness
        self.phone = phone
        self.gateway = gateway
        self.seen = 0
        self.last_choices: list[dict[str, str]] = []

    async def send(self, text: str = "", *, choice_id: str | None = None, location: tuple[float, float] | None = None,
                   image_url: str | None = None) -> list[str]:
        body = self._cloudapi(text, choice_id, location, image_url) if self.gateway == "cloudapi" else self._fonnte(
            text, location, image_url)
        raw = json.dumps(body).encode()
        headers = {}
        if self.gateway == "cloudapi":
            headers["x-hub-signature-256"] = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
        response = await self.h.post(self.gateway, raw, headers=headers)
        assert response.status == 200, await response.text()
        await self.h.settle()
        return self.replies()

    async def tap(self, title_part: str) -> list[str]:
        """Tap the offered button/list row whose title contains `title_part`."""
        for c in self.last_choices:
            if title_part.lower() in c["title"].lower():
                if self.gateway == "cloudapi":
                    return await self.send(c["title"], choice_id=c["id"])
                return await self.send(str(self.last_choices.index(c) + 1))
        raise AssertionError(f"no choice {title_part!r} in {self.last_choices}")

    def replies(self) -> list[str]:
        mine = [r for r in self.h.gateway.requests if r.recipient == self.phone]
        new = mine[self.seen :]
        self.seen = len(mine)
        for request in new:
            self.last_choices = self._choices(request) or self.last_choices
        return [r.text for r in new]

    def _choices(self, request: Any) -> list[dict[str, str]]:
        if self.gateway != "cloudapi":
            return []
        data = request.json
        interactive = data.get("interactive")
        if not interactive:
            return []
        if interactive["type"] == "button":
            return [{"id": b["reply"]["id"], "title": b["reply"]["title"]} for b in interactive["action"]["buttons"]]
        rows = interactive["action"]["sections"][0]["rows"]
        return [{"id": r["id"], "title": r["title"], "description": r.get("description", "")} for r in rows]

    def _fonnte(self, text: str, location: tuple[float, float] | None, image_url: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "device": "6281200000900", "sender": self.phone, "pengirim": self.phone, "name": "Budi",
            "message": text, "pesan": text, "type": "text", "inboxid": next(_ids), "isgroup": False,
            "location": "", "url": "", "extension": "", "filename": "",
        }
        if location:
            body.update(type="location", location=f"{location[0]},{location[1]}", message="", pesan="")
        if image_url:
            body.update(type="image", url=image_url, extension="jpg", filename="ktp.jpg")
        return body

    def _cloudapi(self, text: str, choice_id: str | None, location: tuple[float, float] | None,
                  image_url: str | None) -> dict[str, Any]:
        message: dict[str, Any] = {"from": self.phone, "id": f"wamid.t{next(_ids)}", "timestamp": "1795329000"}
        if choice_id:
            message.update(type="interactive", interactive={"type": "list_reply" if ":" in choice_id else "button_reply",
                                                           "list_reply": {"id": choice_id, "title": text},
                                                           "button_reply": {"id": choice_id, "title": text}})
        elif location:
            message.update(type="location", location={"latitude": location[0], "longitude": location[1]})
        elif image_url:
            message.update(type="image", image={"id": "media-1", "mime_type": "image/jpeg", "sha256": "x"})
        else:
            message.update(type="text", text={"body": text})
        return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281200000900", "phone_number_id": "1122334455667"},
            "contacts": [{"profile": {"name": "Budi"}, "wa_id": self.phone}],
            "messages": [message]}}]}]}
