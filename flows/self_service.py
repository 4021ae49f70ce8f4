"""The customer portal's pages as chat features: each needs a known customer (see
`account`), and each is opened the same way from the menu, a keyword, or after linking."""

from __future__ import annotations

from ispbot.flows.turn import Turn

FEATURES = ("account", "invoices", "ticket", "tickets", "profile", "faq")  # ticket: a new report; tickets: the list


async def open_feature(turn: Turn, key: str) -> None:
    from ispbot.flows import account, dashboard, faq, invoices, profile, support_tickets

    if key == "faq":  # the FAQ is for everyone, customer or not
        await faq.start(turn)
        return
    customer = await account.require(turn, then=key)
    if customer is None:
        return
    if key == "invoices":
        await invoices.start(turn, customer)
    elif key in ("ticket", "tickets"):
        await support_tickets.start(turn, customer, listing=key == "tickets")
    elif key == "profile":
        await profile.start(turn, customer)
    else:
        await dashboard.show(turn, customer)
