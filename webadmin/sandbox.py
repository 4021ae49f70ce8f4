"""`/sandbox`: a phone-shaped web chat to talk to the bot as any Indonesian number, through
the sandbox gateway. On only when ISPBOT_PROVIDER=sandbox."""

from __future__ import annotations

import json
from importlib.resources import files

from aiohttp import web

from ispbot.providers.base import WebhookRequest
from ispbot.providers.errors import WebhookRejected
from ispbot.providers.phone import InvalidPhone, normalize_phone
from ispbot.storage import transcript
from ispbot.webhooks import SERVICES, WAKE_DISPATCHER, store_events


async def page(request: web.Request) -> web.Response:
    html = files("ispbot.webadmin").joinpath("templates/sandbox.html").read_text("utf-8")
    html = html.replace("{{ isp_name }}", _html_escape(request.app[SERVICES].settings.isp_name))
    return web.Response(text=html, content_type="text/html")


async def send(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    provider = services.providers["sandbox"]
    body = await request.read()
    try:
        events = provider.parse_webhook(
            WebhookRequest(method="POST", body=body, headers={"content-type": "application/json"})
        )
    except WebhookRejected as exc:
        return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
    stored = await store_events(services, "sandbox", events)
    request.app[WAKE_DISPATCHER]()
    return web.json_response({"ok": True, "stored": stored})


async def messages(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        phone = normalize_phone(request.query.get("phone", ""))
        after_in = int(request.query.get("after_in", "0"))
        after_out = int(request.query.get("after_out", "0"))
    except (InvalidPhone, ValueError):
        return web.json_response({"ok": False, "error": "phone must be an Indonesian mobile number"}, status=400)
    async with services.db.sessions() as session:
        lines = await transcript.lines(session, phone, after_in=after_in, after_out=after_out)
    return web.Response(
        text=json.dumps({"ok": True, "phone": phone, "messages": [line.to_json() for line in lines]}),
        content_type="application/json",
    )


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)


def setup_sandbox(app: web.Application) -> None:
    app.router.add_get("/sandbox", page)
    app.router.add_post("/sandbox/api/send", send)
    app.router.add_get("/sandbox/api/messages", messages)
