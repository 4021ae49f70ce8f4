"""Status tracking by chat: "status", "cek", a registration number (any case) or an email.

A customer sees the registrations of their own WhatsApp number. Anyone else's registration
needs both its number and the email it was registered with.

    ASK_IDENTIFIER ─number of own registration / own email→ status shown
                   └someone else's number → ASK_PROOF (email) ─matches→ status shown
                   └unknown email for this number → ASK_PROOF (number) ─matches→ status shown
"""

from __future__ import annotations

from datetime import datetime
from itertools import takewhile
from typing import Any

from ispbot.flows import menu
from ispbot.flows.choices import choice
from ispbot.flows.engine import Answer, Flow, Question, Retry, Stay
from ispbot.flows.status_words import step_labels
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind
from ispbot.storage import registrations
from ispbot.storage.lifecycle import TIMELINE, Status, timeline_position
from ispbot.storage.models import Registration

STATES = ["ASK_IDENTIFIER", "ASK_PROOF"]
TRANSITIONS: list[dict[str, Any]] = [{"trigger": "proof_needed", "source": "ASK_IDENTIFIER", "dest": "ASK_PROOF"}]


def _draft(turn: Turn) -> dict[str, Any]:
    return TRACKING.draft(turn)


async def start(turn: Turn, text: str) -> None:
    turn.conversation.flow = "tracking"
    TRACKING.save(turn, {"_history": []})
    if text:
        turn.conversation.state = "ASK_IDENTIFIER"
        await _lookup(turn, text)
        return
    own = await registrations.of_chat(turn.session, turn.contact.phone or "", turn.contact.key)
    if len(own) == 1:
        await show_status(turn, own[0])
    elif own:
        turn.conversation.state = "ASK_IDENTIFIER"
        turn.ask("track_which", [choice("ASK_IDENTIFIER", r.registration_number, r.registration_number) for r in own])
    else:
        await TRACKING.enter(turn, "ASK_IDENTIFIER")


async def ask_identifier(turn: Turn) -> None:
    turn.say("track_ask_identifier")


async def read_identifier(turn: Turn) -> Answer:
    choice_id = turn.message.choice_id or ""
    if turn.message.kind is InboundKind.CHOICE:
        if not choice_id.startswith("ASK_IDENTIFIER:"):
            return Retry("stale_choice")
        await _lookup(turn, choice_id.split(":", 1)[1])
        return Stay()
    if not await menu.leave_for_menu_word(turn, TRACKING, "status"):
        await _lookup(turn, turn.text)
    return Stay()


async def _lookup(turn: Turn, text: str) -> None:
    number = menu.REG_NUMBER.search(text)
    phone = turn.contact.phone or ""
    if number:
        found = await registrations.by_number(turn.session, number.group(0))
        if found is not None and registrations.made_by(found, phone, turn.contact.key):
            await show_status(turn, found)
            return
        TRACKING.save(turn, {"number": number.group(0).upper(), "_history": []})
        await TRACKING.enter(turn, "ASK_PROOF")
        return
    if menu.EMAIL.fullmatch(text):
        mine = [r for r in await registrations.by_email(turn.session, text)
                if registrations.made_by(r, phone, turn.contact.key)]
        if mine:
            await show_status(turn, mine[0])
            return
        TRACKING.save(turn, {"email": text.lower(), "_history": []})
        await TRACKING.enter(turn, "ASK_PROOF")
        return
    turn.say("track_not_understood")
    await TRACKING.enter(turn, "ASK_IDENTIFIER")


async def ask_proof(turn: Turn) -> None:
    if _draft(turn).get("number"):
        turn.say("track_ask_email_proof", number=_draft(turn)["number"])
    else:
        turn.say("track_ask_number_proof")


async def read_proof(turn: Turn) -> Answer:
    if await menu.leave_for_menu_word(turn, TRACKING, "status"):
        return Stay()
    draft = _draft(turn)
    text = turn.message.text.strip()
    number = draft.get("number") or (m.group(0) if (m := menu.REG_NUMBER.search(text)) else None)
    email = draft.get("email") or (text.lower() if menu.EMAIL.fullmatch(text) else None)
    found = await registrations.by_number(turn.session, number) if number else None
    if found is not None and email and found.email.lower() == email.lower():
        await show_status(turn, found)
        return Stay()
    turn.say("track_not_found")
    TRACKING.drop(turn)
    await menu.finish_flow(turn, "tracking")
    return Stay()


def _steps(turn: Turn, registration: Registration) -> list[dict[str, Any]]:
    labels = step_labels(turn.locale)
    if registration.status in (Status.REJECTED, Status.CANCELLED):
        # The steps it reached, none of them current: a rejected registration showed
        # "⬜ Pendaftaran diterima", as if it had never arrived (the tracking page ticks them).
        done = len(list(takewhile(lambda at: at is not None, _reached(registration))))
        return [{"label": labels[status], "done": i < done, "current": False} for i, status in enumerate(TIMELINE)]
    done = timeline_position(registration.status)
    return [{"label": labels[status], "done": i < done, "current": i == done - 1} for i, status in enumerate(TIMELINE)]


def _reached(registration: Registration) -> list[datetime | None]:
    """When each step of TIMELINE was reached (None: not reached)."""
    return [registration.created_at, registration.verified_at, registration.survey_scheduled_at,
            registration.survey_completed_at, registration.approved_at]


async def show_status(turn: Turn, registration: Registration) -> None:
    if registration.package is None:  # pragma: no cover - always loaded by the queries
        await turn.session.refresh(registration, ["package"])
    turn.say(
        "track_status",
        r=registration,
        package=registration.package,
        steps=_steps(turn, registration),
        tracking_url=f"{turn.settings.public_url}/track/{registration.registration_number}",
    )
    TRACKING.drop(turn)
    await menu.finish_flow(turn, "tracking")


TRACKING = Flow(
    "tracking",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "ASK_IDENTIFIER": Question(ask_identifier, read_identifier, "help_track"),
        "ASK_PROOF": Question(ask_proof, read_proof, "help_track"),
    },
)
