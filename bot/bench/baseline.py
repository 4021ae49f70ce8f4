"""The ceiling: the least an aiohttp app must do for the same webhook. It reads the body,
finds the sender (Fonnte form/JSON or Cloud API JSON), answers 200 at once and posts one
fixed reply to the gateway in a background task, with the product's own gateway client
(`ispbot.gateway_http`), as the product's sender does.

Run as `python -m ispbot.bench.baseline --port P --gateway URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import httpx
from aiohttp import web

from ispbot.gateway_http import gateway_client

REPLY = "Terima kasih, pesan Anda sudah kami terima."
HTTP = web.AppKey("http", httpx.AsyncClient)
GATEWAY = web.AppKey("gateway", str)
TASKS = web.AppKey("tasks", set)


def sender_of(provider: str, body: dict[str, Any]) -> str | None:
    if provider == "cloudapi":
        try:
            return str(body["entry"][0]["changes"][0]["value"]["messages"][0]["from"])
        except (KeyError, IndexError, TypeError):
            return None
    sender = body.get("sender")
    return str(sender) if sender else None


async def receive(request: web.Request) -> web.Response:
    provider = request.match_info["provider"]
    try:
        body = json.loads(await request.read())
    except ValueError:
        return web.json_response({"ok": False}, status=400)
    phone = sender_of(provider, body) if isinstance(body, dict) else None
    if phone:
        task = asyncio.create_task(_reply(request.app, provider, phone))
        request.app[TASKS].add(task)
        task.add_done_callback(request.app[TASKS].discard)
    return web.json_response({"ok": True, "stored": 1 if phone else 0})


async def _reply(app: web.Application, provider: str, phone: str) -> None:
    http, base = app[HTTP], app[GATEWAY]
    if provider == "cloudapi":
        await http.post(f"{base}/v21.0/1/messages", json={
            "messaging_product": "whatsapp", "to": phone, "type": "text", "text": {"body": REPLY}})
    else:
        await http.post(f"{base}/send", data={"target": phone, "message": REPLY})


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_app(gateway: str) -> web.Application:
    app = web.Application()
    app[GATEWAY] = gateway.rstrip("/")
    app[TASKS] = set()

    async def client(app: web.Application):  # type: ignore[no-untyped-def]
        app[HTTP] = gateway_client()
        yield
        await app[HTTP].aclose()

    app.cleanup_ctx.append(client)
    app.router.add_post("/webhooks/{provider}", receive)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="the benchmark's baseline webhook app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gateway", required=True)
    args = parser.parse_args()
    web.run_app(create_app(args.gateway), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
