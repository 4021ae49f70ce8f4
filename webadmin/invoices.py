"""Invoices: the list (unpaid, overdue, paid or void; a period; an invoice number or a
customer) with the totals owed, an invoice's page with the reminders and receipt sent,
recording a payment (method and reference; audited; the customer gets a receipt by
WhatsApp) and the invoice PDF for staff."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.billing import PAYMENT_METHODS, local_today, payment_method_label, record_payment
from ispbot.client_address import client_ip
from ispbot.invoice_pdf import render_invoice_pdf
from ispbot.storage import billing_queries, invoices
from ispbot.storage.models import Customer, Invoice, Package
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.pages import TEMPLATES, redirect, render
from ispbot.webadmin.path_ids import row_id
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

INVOICE_STATUS = {"unpaid": "Belum Dibayar", "overdue": "Terlambat", "paid": "Lunas", "void": "Dibatalkan"}
INVOICE_TONE = {"unpaid": "yellow", "overdue": "red", "paid": "green", "void": "gray"}


async def _invoice(request: web.Request, session: AsyncSession, *, for_update: bool = False) -> Invoice:
    stmt = select(Invoice).where(Invoice.id == int(request.match_info["id"]))
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    invoice = (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
    if invoice is None:
        raise Refused(404, "Invoice tidak ditemukan")
    return invoice


@staff_view(Permission.VIEW_CUSTOMERS)
async def invoice_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    flt = billing_queries.InvoiceFilter.parse(request.query)
    after = request.query.get("after", "")
    today = local_today(services)
    async with services.db.reads() as session:
        rows, next_after = await billing_queries.list_invoices(
            session, flt, today=today, after=row_id(after)
        )
        totals = await billing_queries.totals(session, today)
    return render(request, "invoices/list.html", {
        "rows": rows, "filter": flt, "next_after": next_after, "totals": totals, "today": today,
        "states": billing_queries.INVOICE_STATES, "nav": "invoices",
    })


@staff_view(Permission.VIEW_CUSTOMERS)
async def invoice_detail(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.sessions() as session:
        invoice = await _invoice(request, session)
        customer = await session.get_one(Customer, invoice.customer_id)
        messages = await billing_queries.messages_about(session, invoice.id)
    return render(request, "invoices/detail.html", {
        "i": invoice, "customer": customer, "messages": messages, "today": local_today(services),
        "methods": {code: labels["id"] for code, labels in PAYMENT_METHODS.items()}, "nav": "invoices",
    })


@staff_view(Permission.RECORD_PAYMENT)
async def pay(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    method = str(form.get("method", ""))
    reference = str(form.get("reference", "")).strip()
    back = f"/admin/invoices/{request.match_info['id']}"
    if method not in PAYMENT_METHODS:
        return redirect(request, back, "Pilih metode pembayaran.", "error")
    if len(reference) > 100:
        return redirect(request, back, "Referensi pembayaran paling panjang 100 karakter.", "error")
    async with services.db.transaction() as session:
        invoice = await _invoice(request, session, for_update=True)
        try:
            await record_payment(services, session, invoice, method=method, reference=reference,
                                 actor=staff.user, ip=client_ip(request))
        except invoices.InvoiceAlreadyPaid:
            return redirect(request, back, f"Invoice {invoice.invoice_number} sudah lunas.", "error")
        except invoices.InvoiceVoid:
            return redirect(request, back, f"Invoice {invoice.invoice_number} sudah dibatalkan.", "error")
        number = invoice.invoice_number
    return redirect(request, back, f"Invoice {number} dicatat lunas. Kuitansi dikirim ke pelanggan lewat WhatsApp.")


@staff_view(Permission.VIEW_CUSTOMERS)
async def invoice_pdf(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    settings = services.settings
    async with services.db.sessions() as session:
        invoice = await _invoice(request, session)
        customer = await session.get_one(Customer, invoice.customer_id)
        package = await session.get(Package, customer.package_id) if customer.package_id else None
    pdf = render_invoice_pdf(
        invoice, customer, package.name if package else "-",
        isp_name=settings.isp_name, cs_phone=settings.cs_phone, payment_methods=settings.payment_methods,
        payment_url_or_reference=settings.payment_url or invoice.invoice_number, timezone=settings.tz,
    )
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{invoice.invoice_number}.pdf"',
    })


def setup_invoices(app: web.Application) -> None:
    app[TEMPLATES].filters.update(
        invoice_status=lambda s: INVOICE_STATUS.get(s, s),
        invoice_tone=lambda s: INVOICE_TONE.get(s, "gray"),
        payment_method=payment_method_label,
    )
    app.router.add_get("/admin/invoices", invoice_list)
    app.router.add_get(r"/admin/invoices/{id:\d+}", invoice_detail)
    app.router.add_get(r"/admin/invoices/{id:\d+}/pdf", invoice_pdf)
    app.router.add_post(r"/admin/invoices/{id:\d+}/pay", pay)
