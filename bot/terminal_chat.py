"""`ispbot chat`: the sandbox chat in a terminal. Choices are shown numbered; type the
number, the label, or anything else a customer would."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import httpx


def _show(message: dict[str, Any]) -> None:
    who = "  bot" if message["direction"] == "out" else "  you"
    if message["direction"] == "in":
        return  # the customer's own lines are already on screen
    print(f"\n{who} ▸ " + message["text"].replace("\n", "\n        "))
    for number, choice in enumerate(message.get("choices") or [], start=1):
        description = choice.get("description")
        desc = f" — {description}" if description and description != choice["title"] else ""  # as on Fonnte
        print(f"        [{number}] {choice['title']}{desc}")
    if message.get("url"):
        print(f"        📄 {message.get('filename') or ''} {message['url']}")


async def run_chat(base_url: str, phone: str) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one log line per poll between the messages
    after = {"in": 0, "out": 0}
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:

        async def poll() -> None:
            response = await client.get(
                "/sandbox/api/messages",
                params={"phone": phone, "after_in": after["in"], "after_out": after["out"]},
            )
            response.raise_for_status()
            for message in response.json()["messages"]:
                direction, number = message["key"].split("-")
                after[direction] = max(after[direction], int(number))
                _show(message)

        try:
            await poll()
        except httpx.HTTPError as exc:
            print(f"cannot reach {base_url} ({exc}); is `ispbot serve` running with the sandbox gateway?", file=sys.stderr)
            return 1
        print(f"chatting as {phone} with {base_url} — Ctrl-D to leave")
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, lambda: input("\nyou ▸ "))
            except EOFError:
                print()
                return 0
            if not line.strip():
                continue
            await client.post("/sandbox/api/send", json={"phone": phone, "text": line})
            for _ in range(20):  # wait up to ~2 s for the reply
                await asyncio.sleep(0.1)
                before = dict(after)
                await poll()
                if after["out"] != before["out"]:
                    await asyncio.sleep(0.3)
                    await poll()
                    break
