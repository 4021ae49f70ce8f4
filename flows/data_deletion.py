"""“hapus data”: a customer asks for their personal data to be deleted (UU 27/2022 PDP).

    CONFIRM_DELETION ─yes→ a request row for staff, the customer is told what happens next
                     └no→ nothing changes

Staff action the request in the admin (`/admin/data-requests`); the customer then gets a
WhatsApp saying what was deleted and what the law makes us keep.

A number with nothing stored but its chat (no registration, customer or ticket) is told
just that, and its "ya" deletes the chat history at once (`erasure.erase_chat_only`):
the request is kept, done, as proof, and no staff member is asked to do nothing.
"""

from __future__ import annotations

from typing import Any

from ispbot import erasure
from ispbot.flows import menu
from ispbot.flows.answers import is_no, is_yes
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.engine import Answer, Flow, Next, Question, Retry
from ispbot.flows.turn import Turn
from ispbot.storage import data_requests

STATES = ["CONFIRM_DELETION"]
TRANSITIONS: list[dict[str, Any]] = []


async def start(turn: Turn) -> None:
    pending = await data_requests.open_of(turn.session, turn.contact.key)
    if pending is not None:
        turn.say("deletion_already_requested", request=pending)
        return
    turn.conversation.flow = "data_deletion"
    DATA_DELETION.save(turn, {"_history": [], "chat_only": not await _holds_records(turn)})
    await DATA_DELETION.enter(turn, "CONFIRM_DELETION")


async def _holds_records(turn: Turn) -> bool:
    return await erasure.holds_records(turn.session, turn.contact.key, turn.contact.phone)


def _choices(turn: Turn) -> list[Any]:
    en = turn.locale == "en"
    return [
        choice("CONFIRM_DELETION", "yes", "Yes, delete my data" if en else "Ya, hapus data saya"),
        choice("CONFIRM_DELETION", "no", "No, keep it" if en else "Tidak jadi"),
    ]


async def ask_confirm(turn: Turn) -> None:
    unsent = bool((turn.conversation.data or {}).get("registration"))  # answers typed, not yet sent
    turn.ask("deletion_confirm", _choices(turn), chat_only=DATA_DELETION.draft(turn).get("chat_only"), unsent=unsent)


async def read_confirm(turn: Turn) -> Answer:
    try:
        picked = pick(turn.message, _choices(turn), prefix="CONFIRM_DELETION")
    except StaleChoice:
        return Retry("stale_choice")
    answer = value_of(picked) if picked else ("yes" if is_yes(turn.text) else "no" if is_no(turn.text) else None)
    if answer is None:  # the notice is long: not sent again, only the question
        return Retry("choose_yes_or_no", choices=tuple(_choices(turn)), ask_again=False, unreadable=True)
    if answer == "yes":
        request = await data_requests.open_request(
            turn.session, contact_key=turn.contact.key, phone=turn.contact.phone, now=turn.now
        )
        if DATA_DELETION.draft(turn).get("chat_only") and not await _holds_records(turn):
            await erasure.erase_chat_only(turn.session, request, turn.conversation, turn.now)
            turn.say("deletion_chat_erased", request=request, days=turn.settings.message_retention_days)
        else:
            turn.say("deletion_requested", request=request)
    else:
        turn.say("deletion_kept")
    DATA_DELETION.drop(turn)
    await menu.finish_flow(turn, "data_deletion")
    return Next("done")


DATA_DELETION = Flow(
    "data_deletion",
    states=STATES,
    transitions=TRANSITIONS,
    questions={"CONFIRM_DELETION": Question(ask_confirm, read_confirm, "help_deletion")},
)
