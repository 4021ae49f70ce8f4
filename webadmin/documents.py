"""`/d/invoice/{token}`: an invoice PDF at a signed link that expires. The token names one
invoice and nothing else (see ispbot.signed_links); a wrong, tampered or expired token gets
403 with no hint of which invoices exist."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.invoice_pdf import render_invoice_pdf
from ispbot.signed_links import verify
from ispbot.storage.models import Customer, Invoice, Package
from ispbot.webadmin.ratelimit import PUBLIC_REQUESTS
from ispbot.webhooks import SERVICES

# A plain-text page (a browser shows *tagihan* with its stars): the word in quotes.
REFUSED = "Tautan ini tidak berlaku atau sudah kedaluwarsa. Ketik \"tagihan\" di WhatsApp untuk tautan baru."


async def invoice_pdf(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    now = services.clock.now()
    if request.app[PUBLIC_REQUESTS].hit(client_ip(request), now):
        raise web.HTTPTooManyRequests(text="Terlalu banyak permintaan. Coba lagi nanti.")
    settings = services.settings
    invoice_id = verify(settings.secret_key or "", "invoice", request.match_info["token"], now)
    if invoice_id is None or not invoice_id.isdigit():
        raise web.HTTPForbidden(text=REFUSED)
    async with services.db.sessions() as session:
        invoice = await session.get(Invoice, int(invoice_id))
        customer = await session.get(Customer, invoice.customer_id) if invoice else None
        if invoice is None or customer is None:
            raise web.HTTPForbidden(text=REFUSED)
        package = await session.get(Package, customer.package_id) if customer.package_id else None
        pdf = await asyncio.to_thread(
            render_invoice_pdf,
            invoice,
            customer,
            package.name if package else "-",
            isp_name=settings.isp_name,
            cs_phone=settings.cs_phone,
            payment_methods=settings.payment_methods,
            payment_url_or_reference=settings.payment_url or invoice.invoice_number,
            timezone=settings.tz,
        )
        filename = f"{invoice.invoice_number}.pdf"
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )


def setup_documents(app: web.Application) -> None:
    app.router.add_get("/d/invoice/{token}", invoice_pdf, name="invoice_pdf")
