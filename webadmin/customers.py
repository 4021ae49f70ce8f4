"""Customers: the list (search by name, customer id or phone; the NIK masked; what each
owes) and a customer's page (package, account status, invoices, tickets)."""

from __future__ import annotations

from aiohttp import web

from ispbot.billing import local_today
from ispbot.storage import billing_queries, invoices
from ispbot.storage.models import Customer, Package
from ispbot.webadmin.auth import Refused, staff_view
from ispbot.webadmin.pages import TEMPLATES, render
from ispbot.webadmin.path_ids import row_id
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

ACCOUNT_STATUS = {"pending_installation": "Menunggu instalasi", "active": "Aktif", "suspended": "Diisolir",
                  "terminated": "Berhenti"}
ACCOUNT_TONE = {"pending_installation": "blue", "active": "green", "suspended": "yellow", "terminated": "gray"}


@staff_view(Permission.VIEW_CUSTOMERS)
async def customer_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    term = " ".join(request.query.get("q", "").split())[:60]
    after = request.query.get("after", "")
    async with services.db.reads() as session:
        rows, next_after = await billing_queries.search_customers(
            session, term, after=row_id(after)
        )
    return render(request, "customers/list.html", {
        "rows": rows, "q": term, "next_after": next_after, "nav": "customers",
    })


@staff_view(Permission.VIEW_CUSTOMERS)
async def customer_detail(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.sessions() as session:
        customer = await session.get(Customer, int(request.match_info["id"]))
        if customer is None:
            raise Refused(404, "Pelanggan tidak ditemukan")
        package = await session.get(Package, customer.package_id) if customer.package_id else None
        context = {
            "c": customer,
            "package": package,
            "nik": await billing_queries.customer_nik(session, customer.id),
            "registration": await billing_queries.customer_registration(session, customer.id),
            "invoices": await billing_queries.customer_invoices(session, customer.id),
            "summary": await invoices.summary(session, customer.id),
            "tickets": await billing_queries.customer_tickets(session, customer.id),
            "today": local_today(services),
            "nav": "customers",
        }
    return render(request, "customers/detail.html", context)


def setup_customers(app: web.Application) -> None:
    app[TEMPLATES].filters.update(
        account_status=lambda s: ACCOUNT_STATUS.get(s, s),
        account_tone=lambda s: ACCOUNT_TONE.get(s, "gray"),
    )
    app.router.add_get("/admin/customers", customer_list)
    app.router.add_get(r"/admin/customers/{id:\d+}", customer_detail)
