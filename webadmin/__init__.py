"""The web pages: the staff admin (aiohttp + jinja2, server-rendered), the public
tracking page, the seed's JSON API and the sandbox chat.

`setup_admin(app)` adds everything but the sandbox: routes, templates, static files
(served from /static, vendored, so the admin works offline), rate limits and the
security headers of these pages.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from aiohttp import web


def setup_admin(app: web.Application) -> None:
    from ispbot.webadmin.analytics import setup_analytics
    from ispbot.webadmin.analytics_api import setup_analytics_api
    from ispbot.webadmin.api import setup_staff_api
    from ispbot.webadmin.api_public import setup_public_api
    from ispbot.webadmin.audit_view import setup_audit_view
    from ispbot.webadmin.customers import setup_customers
    from ispbot.webadmin.data_requests import setup_data_requests
    from ispbot.webadmin.documents import setup_documents
    from ispbot.webadmin.events import setup_events
    from ispbot.webadmin.exports import setup_exports
    from ispbot.webadmin.faq_admin import setup_faq_admin
    from ispbot.webadmin.inbox import setup_inbox
    from ispbot.webadmin.invoices import setup_invoices
    from ispbot.webadmin.login import setup_login
    from ispbot.webadmin.openapi import setup_openapi
    from ispbot.webadmin.own_account import setup_own_account
    from ispbot.webadmin.packages import setup_packages
    from ispbot.webadmin.pages import (
        TEMPLATES,
        admin_not_found,
        build_environment,
        security_headers,
    )
    from ispbot.webadmin.ratelimit import setup_limits
    from ispbot.webadmin.registration_actions import setup_registration_actions
    from ispbot.webadmin.registrations import setup_registration_pages
    from ispbot.webadmin.tickets import setup_tickets
    from ispbot.webadmin.track import setup_track
    from ispbot.webadmin.users import setup_users
    from ispbot.webhooks import SERVICES

    app[TEMPLATES] = build_environment(app[SERVICES].settings.tz)
    setup_limits(app)
    app.on_response_prepare.append(security_headers)
    app.router.add_static("/static", Path(str(files("ispbot.webadmin").joinpath("static"))), name="static")
    setup_login(app)
    setup_exports(app)  # before the detail routes: /admin/registrations/export.csv
    setup_registration_pages(app)
    setup_registration_actions(app)
    setup_events(app)
    setup_tickets(app)
    setup_customers(app)
    setup_invoices(app)
    setup_users(app)
    setup_packages(app)
    setup_own_account(app)
    setup_audit_view(app)
    setup_data_requests(app)
    setup_inbox(app)
    setup_faq_admin(app)
    setup_analytics(app)
    setup_track(app)
    setup_documents(app)
    setup_public_api(app)
    setup_staff_api(app)
    setup_analytics_api(app)
    setup_openapi(app)
    from ispbot.webadmin.path_ids import oversized_ids

    app.middlewares.append(admin_not_found)  # around oversized_ids, whose refusal is a 404 too
    app.middlewares.append(oversized_ids)  # after the API's json_errors, which wraps it
