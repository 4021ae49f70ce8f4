"""The one-time-code step that registration (another number), account linking and changing
the number on file share: send a code, or say why not yet; read the code typed back.

A code is this chat's: the chat remembers the codes it had sent (`SENT`, in the
conversation's data). Another chat typing the same customer id or number within the minute
is not told "the code sent earlier still works, type it here", and a code typed in a chat
that did not ask for it is no login and uses none of its attempts. The limits on sending
(60 s, 5 an hour) stay per number, so the number is never flooded with codes.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from ispbot.flows.engine import Answer, Retry
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Contact
from ispbot.providers.phone import masked
from ispbot.storage import otp

# A new code asked for as it is chatted: "kirim ulang kak", "kirimin lagi", "minta kode baru" …
_RESEND = re.compile(r"\b(?:kirim\w*(?: \w+)? (?:ulang|lagi|baru)|ulang\w*|resend|send again|kode baru|"
                     r"minta (?:kode|otp))\b")
# … or "it did not come": "blm masuk", "ga dapet kode", "kodenya gak ada".
_NOT = frozenset({"belum", "blm", "blum", "blom", "gak", "ga", "gk", "g", "nggak", "ngga", "enggak", "engga", "tidak",
                  "tdk", "tak", "ndak"})
_ARRIVED = frozenset({"masuk", "dapat", "dapet", "terima", "nerima", "diterima", "sampai", "sampe", "nyampe",
                      "muncul", "ada", "datang", "dateng"})


def asks_for_a_new_code(text: str) -> bool:
    """Whether a reply without a code in it asks for a new one."""
    if any(ch.isdigit() for ch in text):
        return False  # a code, right or wrong
    words = re.findall(r"[a-z]+", text.lower())
    if _RESEND.search(" ".join(words)) or "gada" in words:
        return True
    return any(word in _NOT and _ARRIVED & set(words[i + 1 : i + 3]) for i, word in enumerate(words))


SENT = "otp_sent"  # in the conversation's data: "purpose:number" → when the code this chat had sent stops working


def _sent_here(turn: Turn, phone: str, purpose: str) -> datetime | None:
    at = ((turn.conversation.data or {}).get(SENT) or {}).get(f"{purpose}:{phone}")
    return datetime.fromisoformat(at) if at else None


def _remember_sent(turn: Turn, phone: str, purpose: str, expires_at: datetime) -> None:
    data = dict(turn.conversation.data or {})
    sent = {key: at for key, at in (data.get(SENT) or {}).items() if datetime.fromisoformat(at) > turn.now}
    sent[f"{purpose}:{phone}"] = expires_at.isoformat()
    data[SENT] = sent
    turn.conversation.data = data


async def _live_code(turn: Turn, phone: str, purpose: str) -> tuple[datetime | None, bool]:
    """When the code last sent to `phone` for `purpose` stops working (None: none works),
    and whether this chat asked for it. (Codes are at least a minute apart, so a second's
    difference is the database's rounding.)"""
    until = await otp.live_until(turn.session, phone=phone, purpose=purpose, now=turn.now)
    mine = _sent_here(turn, phone, purpose)
    return until, until is not None and mine is not None and abs(until - mine) < timedelta(seconds=1)


async def live_from_here(turn: Turn, *, phone: str, purpose: str) -> datetime | None:
    """When the code last sent to `phone` for `purpose` stops working, if this chat asked
    for it; None when none works, or the one that does was asked for elsewhere."""
    until, here = await _live_code(turn, phone, purpose)
    return until if here else None


def wants_resend(turn: Turn) -> bool:
    return asks_for_a_new_code(turn.text)


def is_code(text: str) -> bool:
    """Whether a reply reads as a code typed back: six digits, whatever is around them."""
    return sum(ch.isdigit() for ch in text) == 6


async def send_code(
    turn: Turn, *, phone: str, purpose: str, template: str, then: Answer, earlier: Answer | None = None,
    **context: Any,
) -> Answer:
    """Send a code to `phone` with `template`, then answer `then`.

    When the resend or hourly limit refuses a new one while the code sent before still
    works, one message says so, and what to do: type that code, or ask again in so many
    seconds (it was "the code still works" followed by "a code has been sent to …"). Then
    `earlier`, if given (a Next that does not ask the code's question again on top of
    it), else that message as a Retry. With no code that works: a Retry saying how long
    to wait."""
    issued = await otp.issue(
        turn.session, phone=phone, purpose=purpose, now=turn.now, secret_key=turn.settings.secret_key or ""
    )
    if not isinstance(issued, otp.Refusal):
        turn.say_to(Contact(phone=phone), template, sensitive=True, code=issued.code, minutes=_minutes(purpose),
                    **context)
        _remember_sent(turn, phone, purpose, issued.expires_at)
        return then
    seconds = math.ceil(issued.retry_after.total_seconds())
    until, here = await _live_code(turn, phone, purpose)
    if until is None or not here:  # none that works here: how long until one can come (asked for elsewhere, said so)
        return Retry(f"otp_{issued.reason.value}", {"seconds": seconds, "minutes": max(1, seconds // 60),
                                                      "elsewhere": until is not None})
    still_valid = {
        "phone": masked(phone), "minutes": max(1, math.ceil((until - turn.now).total_seconds() / 60)),
        "too_many": issued.reason is otp.OtpRefused.TOO_MANY, "seconds": seconds,
        "wait_minutes": max(1, math.ceil(seconds / 60)),
    }
    if earlier is None:
        return Retry("otp_still_valid", still_valid, ask_again=False)
    turn.say("otp_still_valid", **still_valid)
    return earlier


def _minutes(purpose: str) -> int:
    """How long a code for `purpose` lasts, as the code message and the expiry message say."""
    return int(otp.VALIDITY[purpose].total_seconds() // 60)


async def check_code(turn: Turn, *, phone: str, purpose: str) -> Retry | None:
    """None when the code typed is right (it is then used up); else what to tell the customer.
    A code asked for from another chat is none here: no attempt of it is used."""
    until, here = await _live_code(turn, phone, purpose)
    if until is not None and not here:
        return Retry("otp_none", ask_again=False)
    check = await otp.verify(
        turn.session, phone=phone, purpose=purpose, code=turn.text, now=turn.now,
        secret_key=turn.settings.secret_key or "",
    )
    if check.result is otp.OtpResult.OK:
        return None
    if check.result is otp.OtpResult.WRONG:
        return Retry("otp_wrong", {"left": check.attempts_left}, ask_again=False)
    if check.result is otp.OtpResult.NOT_A_CODE:  # words, not a code: a hint, no attempt used
        return Retry("otp_not_a_code", ask_again=False, unreadable=True)
    return Retry(f"otp_{check.result.value}", {"minutes": _minutes(purpose)}, ask_again=False)
