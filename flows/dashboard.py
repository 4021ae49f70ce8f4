""""akun" / "dashboard": the portal's dashboard in one message (tickets, installation and
survey included; unpaid invoices, outstanding amount, package, account status)."""

from __future__ import annotations

from sqlalchemy import func, select

from ispbot.flows.turn import Turn
from ispbot.storage import invoices, tickets
from ispbot.storage.models import Customer, Package, Ticket

DONE_TICKETS = ("resolved", "closed")


async def show(turn: Turn, customer: Customer) -> None:
    session = turn.session
    counts = dict(
        (
            await session.execute(
                select(Ticket.status, func.count(Ticket.id))
                .where(tickets.of_customer(customer.id))
                .group_by(Ticket.status)
            )
        ).all()
    )
    owed = await invoices.summary(session, customer.id)
    package = await session.get(Package, customer.package_id) if customer.package_id else None
    turn.say(
        "account_summary",
        customer=customer,
        package=package,
        active_tickets=sum(counts.get(s, 0) for s in tickets.ACTIVE),
        done_tickets=sum(counts.get(s, 0) for s in DONE_TICKETS),
        unpaid=owed.unpaid_count,
        outstanding=owed.outstanding,
        oldest_due=owed.oldest_due,
    )
