"""Talking to a human: the chat side of a handoff to CS.

    "cs" (any state), the menu's "Hubungi CS", or two messages in a row the menu could not
    read → WAITING: the customer is told the expected wait and the office hours (outside
    them: when CS will answer), and the bot goes quiet for this phone. (Inside a flow,
    unreadable answers only bring an offer of CS: see flows/engine.py.)
    WAITING: "batal"/"menu" leaves the queue (back to the bot, at the menu). Asked from
    inside a flow ("cs" at the date question), the answers are kept and the customer is
    told so: "lanjut", or an answer the waiting question reads (a date, one of its
    choices), takes the chat back to the bot, at that question. Anything else is kept for
    CS (counted unread), without a bot reply.
    HUMAN (an agent took it): everything goes to the agent, even "menu"; only the agent
    hands the conversation back (or it returns after ISPBOT_HANDOFF_TIMEOUT_MINUTES with
    no message from either side, see `ispbot.handoff`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ispbot.flows.answers import short_answer
from ispbot.flows.turn import Turn
from ispbot.office_hours import OfficeHours
from ispbot.providers.messages import InboundKind
from ispbot.storage import conversations, handoffs

if TYPE_CHECKING:
    from ispbot.flows.engine import Flow

MISUNDERSTOOD_LIMIT = 2  # this many unreadable messages in a row at the menu → CS
LEAVE_COMMANDS = frozenset({"cancel", "menu"})
CARRY_ON = frozenset({"lanjut", "lanjutkan", "lanjut daftar", "lanjut pendaftaran", "continue"})
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
    kept = _flow_kept(turn)
    if hours.is_open(turn.now, settings.tz):
        turn.say("handoff_waiting", reason=reason, minutes=settings.handoff_wait_minutes, office_hours=hours.text,
                 kept=kept)
    else:
        turn.say("handoff_after_hours", reason=reason, office_hours=hours.text,
                 opens=hours.next_opening(turn.now, settings.tz), kept=kept)


def _flow_kept(turn: Turn) -> str | None:
    """The flow whose answers wait while CS has the chat ("registration"), None at the menu."""
    flow = turn.conversation.flow
    return flow if flow not in (None, "menu") and (turn.conversation.data or {}).get(flow) else None


async def misunderstood(turn: Turn) -> bool:
    """Count a message the menu could not read; True when that made it CS's (the caller
    then says nothing more)."""
    if misread(turn) < MISUNDERSTOOD_LIMIT:
        return False
    await start(turn, reason="misunderstood")
    return True


def misread(turn: Turn) -> int:
    """Count a message the bot could not read: how many in a row now."""
    turn.conversation.misunderstood += 1
    return turn.conversation.misunderstood


def _sent_here_by_the_bot(turn: Turn) -> bool:
    return (turn.conversation.data or {}).get(REASON) == "misunderstood"


def understood(turn: Turn) -> None:
    turn.conversation.misunderstood = 0


async def handle(turn: Turn, command: str | None, flow: Flow | None = None) -> None:
    """A message while CS has the conversation; `flow`: the one it was in when handed over."""
    from ispbot.flows import menu

    waiting = turn.conversation.mode == handoffs.WAITING
    if waiting and flow is not None and flow.has_draft(turn) and turn.message.kind is InboundKind.TEXT \
            and short_answer(turn.text) in CARRY_ON:
        _back_to_the_bot(turn)
        await flow.reask(turn)
        return
    if waiting and flow is not None and flow.has_draft(turn) and await flow.reads_as_answer(turn):
        # "besok" at the date question: the answer the bot was waiting for, not a question
        # for CS. Read, and the registration goes on.
        _back_to_the_bot(turn)
        await flow.handle(turn)
        return
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


def _back_to_the_bot(turn: Turn) -> None:
    """Out of the queue, at the question the flow was waiting on."""
    conversation = turn.conversation
    flow, state = conversation.flow, conversation.state
    handoffs.hand_back(conversation, turn.now)
    conversation.flow, conversation.state = flow, state
    turn.say("handoff_resumed", flow=flow)
