""""tagihan" / "invoice": the customer's latest invoices; the one chosen comes back as a
PDF document at a signed link that expires (ISPBOT_DOCUMENT_LINK_DAYS).

    PICK_INVOICE ─invoice chosen (button, number in the list, or INV-… typed)→ PDF sent
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ispbot.billing import month_label
from ispbot.flows import account, menu
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.engine import Answer, Flow, Question, Retry, Stay
from ispbot.flows.turn import Turn
from ispbot.signed_links import sign
from ispbot.storage import invoices
from ispbot.storage.models import Customer, Invoice

LIST_SIZE = 6
INVOICE_NUMBER = re.compile(r"\bINV-\d{6}-\d+\b", re.IGNORECASE)


def period_name(period: str, locale: str) -> str:
    """`2025-10` → `Oktober 2025`."""
    return month_label(period, locale)


def document_url(turn: Turn, invoice: Invoice) -> str:
    expires = turn.now + timedelta(days=turn.settings.document_link_days)
    token = sign(turn.settings.secret_key or "", "invoice", str(invoice.id), expires)
    return f"{turn.settings.public_url}/d/invoice/{token}"


def _customer_id(turn: Turn) -> int:
    return int(INVOICES.draft(turn)["customer_id"])


async def start(turn: Turn, customer: Customer) -> None:
    listed = await invoices.latest_for_customer(turn.session, customer.id, limit=LIST_SIZE)
    if not listed:
        turn.say("invoices_none")
        await menu.finish_flow(turn, "invoices")
        return
    turn.conversation.flow = INVOICES.name
    INVOICES.save(turn, {"customer_id": customer.id, "_history": []})
    await INVOICES.enter(turn, "PICK_INVOICE")


def _choices(turn: Turn, listed: list[Invoice]) -> list[Any]:
    return [
        choice("PICK_INVOICE", inv.invoice_number, period_name(inv.period, turn.locale),
               turn.render("invoice_row", invoice=inv))
        for inv in listed
    ]


async def ask_invoice(turn: Turn) -> None:
    listed = await invoices.latest_for_customer(turn.session, _customer_id(turn), limit=LIST_SIZE)
    owed = await invoices.summary(turn.session, _customer_id(turn))
    turn.ask(
        "invoices_list", _choices(turn, listed), button="Pilih invoice" if turn.locale == "id" else "Choose",
        count=len(listed), owed=owed,
    )


async def read_invoice(turn: Turn) -> Answer:
    customer_id = _customer_id(turn)
    listed = await invoices.latest_for_customer(turn.session, customer_id, limit=LIST_SIZE)
    typed = INVOICE_NUMBER.search(turn.text)
    try:
        picked = pick(turn.message, _choices(turn, listed), prefix="PICK_INVOICE")
    except StaleChoice:
        return Retry("stale_choice")
    number = value_of(picked) if picked else (typed.group(0) if typed else None)
    if number is None:
        if await menu.leave_for_menu_word(turn, INVOICES, "invoices"):
            return Stay()
        return Retry("invoices_pick_one", unreadable=True)
    invoice = await invoices.by_number_for_customer(turn.session, customer_id, number)
    if invoice is None:  # someone else's number, or a typo: the same answer either way
        return Retry("invoices_not_yours", {"number": number.upper()[:30]})
    turn.send_document(
        "invoice_document", document_url(turn, invoice), f"{invoice.invoice_number}.pdf",
        invoice=invoice, period=period_name(invoice.period, turn.locale),
        days=turn.settings.document_link_days, methods=turn.settings.payment_methods,
    )
    INVOICES.drop(turn)
    await menu.finish_flow(turn, "invoices")
    return Stay()


INVOICES = Flow(
    "invoices",
    states=["PICK_INVOICE"],
    transitions=[],
    questions={"PICK_INVOICE": Question(ask_invoice, read_invoice, "help_invoices")},
    # every step for the customer this chat may still see (a lapsed link changes nothing)
    guard=lambda turn: account.still_acting_for(turn, INVOICES, then="invoices"),
)
