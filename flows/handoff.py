"""Talking to a human: the chat side of a handoff to CS.

    "cs" (any state), the menu's "Hubungi CS", or two messages in a row the bot could not
    read → WAITING: the customer is told the expected wait and the office hours (outside
    them: when CS will answer), and the bot goes quiet for this phone.
    WAITING: "batal"/"menu" leaves the queue (back to the bot, at the menu); anything else
    is kept for CS (counted unread), without a bot reply.
    HUMAN (an agent took it): everything goes to the agent, even "menu"; only the agent
    hands the conversation back (or it returns after ISPBOT_HANDOFF_TIMEOUT_MINUTES with
    no message from either side, see `ispbot.handoff`).
"""

from __future__ import annotations

from functools import lru_cache

from ispbot.flows.turn import Turn
from ispbot.office_hours import OfficeHours
from ispbot.storage import conversations, handoffs

MISUNDERSTOOD_LIMIT = 2  # this many unreadable messages in a row → CS
LEAVE_COMMANDS = frozenset({"cancel", "menu"})
REASON = "_handoff_reason"  # in the conversation's data: "asked" or "misunderstood"


@lru_cache(maxsize=4)
def office_hours(text: str) -> OfficeHours:
    return OfficeHours.parse(text)


def is_with_cs(turn: Turn) -> bool:
    return turn.conversation.mode != handoffs.BOT


async def start(turn: Turn, reason: str = "asked") -> None:
    """Hand the conversation to CS; `reason` is "asked" or "misunderstood"."""
    conversations.record_event(turn.session, turn.conversation, "handoff", turn.now)
    handoffs.start(turn.conversation, turn.now)
    turn.conversation.data = {**(turn.conversation.data or {}), REASON: reason}
    settings = turn.settings
    hours = office_hours(settings.office_hours)
    if hours.is_open(turn.now, settings.tz):
        turn.say("handoff_waiting", reason=reason, minutes=settings.handoff_wait_minutes, office_hours=hours.text)
    else:
        turn.say("handoff_after_hours", reason=reason, office_hours=hours.text,
                 opens=hours.next_opening(turn.now, settings.tz))


async def misunderstood(turn: Turn) -> bool:
    """Count a message the bot could not read; True when that made it CS's (the caller
    then says nothing more)."""
    turn.conversation.misunderstood += 1
    if turn.conversation.misunderstood < MISUNDERSTOOD_LIMIT:
        return False
    await start(turn, reason="misunderstood")
    return True


def _sent_here_by_the_bot(turn: Turn) -> bool:
    return (turn.conversation.data or {}).get(REASON) == "misunderstood"


def understood(turn: Turn) -> None:
    turn.conversation.misunderstood = 0


async def handle(turn: Turn, command: str | None) -> None:
    """A message while CS has the conversation."""
    from ispbot.flows import menu

    waiting = turn.conversation.mode == handoffs.WAITING
    if waiting and command in LEAVE_COMMANDS:
        handoffs.hand_back(turn.conversation, turn.now)
        turn.say("handoff_left")
        await menu.show(turn)
        return
    if waiting and _sent_here_by_the_bot(turn) and menu.intent(turn.text) not in (None, "cs"):
        # Handed over for two unreadable messages, the customer now names what they want
        # ("tagihan", "daftar kak"): the bot can do it, so it takes the chat back.
        handoffs.hand_back(turn.conversation, turn.now)
        turn.say("handoff_left")
        await menu.handle(turn)
        return
    handoffs.note_inbound(turn.conversation)
