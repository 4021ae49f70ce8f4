"""Where each inbound message goes: global commands first (in every state, Indonesian and
English), then the contact's current flow. Foreign numbers get a polite answer."""

from __future__ import annotations

from ispbot.flows import account, faq, handoff, invoices, menu, profile, support_tickets, tracking
from ispbot.flows.answers import is_acknowledgement
from ispbot.flows.data_deletion import DATA_DELETION
from ispbot.flows.engine import Flow
from ispbot.flows.registration import REGISTRATION
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in [REGISTRATION, tracking.TRACKING, account.ACCOUNT, invoices.INVOICES, support_tickets.TICKETS,
                 profile.PROFILE, faq.FAQ, DATA_DELETION]
}

COMMANDS = {
    "menu": "menu", "menu utama": "menu", "main menu": "menu",
    "batal": "cancel", "cancel": "cancel", "batalkan": "cancel",
    "kembali": "back", "back": "back", "balik": "back",
    "bantuan": "help", "help": "help", "tolong": "help", "?": "help",
    "cs": "cs", "admin": "cs", "operator": "cs",
    "bahasa": "language", "language": "language", "english": "language", "indonesia": "language",
}


def command_of(turn: Turn) -> str | None:
    if turn.message.kind is not InboundKind.TEXT:
        return None
    return COMMANDS.get(" ".join(turn.message.text.lower().split()).strip(".!"))


def _acknowledges(turn: Turn) -> bool:
    return turn.message.kind is InboundKind.TEXT and is_acknowledgement(turn.text)


async def handle(turn: Turn) -> None:
    if not turn.contact.is_indonesian:
        turn.say("foreign_number")
        return
    reminded = turn.conversation.reminders_sent > 0  # since the customer last wrote
    turn.conversation.reminders_sent = 0
    flow = FLOWS.get(turn.conversation.flow)
    command = command_of(turn)
    if handoff.is_with_cs(turn):  # CS has it: the bot stays quiet (see flows/handoff.py)
        await handoff.handle(turn, command, flow)
        return
    if command == "menu":
        await menu.show(turn)  # a registration draft is kept: "daftar" offers to resume it
    elif command == "cancel":
        # While one answer is being changed from the summary, only that change is given up
        # (the summary's own Batal still cancels the whole registration).
        if flow is None or not await flow.cancel_edit(turn):
            if flow is not None:
                flow.drop(turn)
                turn.say("cancelled")
            await menu.show(turn)
    elif command == "back":
        if flow is None or not await flow.back(turn):
            await menu.show(turn)
    elif command == "help":
        if flow is not None:
            await flow.help(turn)
        else:
            turn.say("help_menu")
            await menu.show(turn)
    elif command == "language":
        turn.conversation.locale = "en" if turn.locale == "id" else "id"
        turn.say("language_changed")
        if flow is not None:
            await flow.reask(turn)
        else:
            await menu.show(turn)
    elif command == "cs":
        await handoff.start(turn)
    elif turn.message.kind is InboundKind.OTHER and not turn.text:
        # A voice note, sticker, video or contact card without a caption: nothing to read.
        turn.say("cannot_read_this")
        if flow is not None:
            await flow.reask(turn)
        else:
            await menu.show(turn)
    elif flow is not None and reminded and _acknowledges(turn):
        # "oke kak" to the reminder's "Balas pesan ini untuk melanjutkan": no answer to the
        # question, which is asked again.
        turn.say("reminder_acknowledged")
        await flow.reask(turn)
    elif flow is not None:
        await flow.handle(turn)
    else:
        await menu.handle(turn)
