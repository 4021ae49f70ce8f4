"""The one-time-code step that registration (another number), account linking and changing
the number on file share: send a code, or say why not yet; read the code typed back."""

from __future__ import annotations

import math
from typing import Any

from ispbot.flows.engine import Answer, Retry
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Contact
from ispbot.storage import otp

RESEND_WORDS = frozenset({"kirim ulang", "ulang", "resend", "kirim lagi"})


def wants_resend(turn: Turn) -> bool:
    return turn.text.lower() in RESEND_WORDS


async def send_code(turn: Turn, *, phone: str, purpose: str, template: str, then: Answer, **context: Any) -> Answer:
    """Send a code to `phone` with `template`, then answer `then`; a Retry saying how long
    to wait when the resend or hourly limit refuses it."""
    issued = await otp.issue(
        turn.session, phone=phone, purpose=purpose, now=turn.now, secret_key=turn.settings.secret_key or ""
    )
    if isinstance(issued, otp.Refusal):
        seconds = math.ceil(issued.retry_after.total_seconds())
        return Retry(f"otp_{issued.reason.value}", {"seconds": seconds, "minutes": max(1, seconds // 60)})
    minutes = int(otp.VALIDITY[purpose].total_seconds() // 60)
    turn.say_to(Contact(phone=phone), template, sensitive=True, code=issued.code, minutes=minutes, **context)
    return then


async def check_code(turn: Turn, *, phone: str, purpose: str) -> Retry | None:
    """None when the code typed is right (it is then used up); else what to tell the customer."""
    check = await otp.verify(
        turn.session, phone=phone, purpose=purpose, code=turn.text, now=turn.now,
        secret_key=turn.settings.secret_key or "",
    )
    if check.result is otp.OtpResult.OK:
        return None
    if check.result is otp.OtpResult.WRONG:
        return Retry("otp_wrong", {"left": check.attempts_left}, ask_again=False)
    return Retry(f"otp_{check.result.value}", ask_again=False)
