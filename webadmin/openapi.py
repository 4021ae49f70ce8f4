"""`GET /api/openapi.json`: the OpenAPI 3.1 description of the JSON API, written by hand
next to the code it describes (a test checks that every /api route is in it)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ispbot.storage.lifecycle import Status
from ispbot.webhooks import SERVICES


def _answer(data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["success", "message", "data"],
        "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}, "data": data or {}},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_answer(), "Refused: `success` is false and `message` says why (Indonesian)")
STRING, INTEGER, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "number"}
NULLABLE_STRING = {"type": ["string", "null"]}

REGISTRATION_INPUT = {
    "type": "object",
    "required": ["full_name", "email", "phone", "address", "kelurahan", "kecamatan", "city", "package_id"],
    "properties": {
        "full_name": STRING, "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "description": "08…, +628… or 628…; must be verified by OTP first"},
        "id_card_number": {"type": "string", "description": "NIK, 16 digits"},
        "id_card_photo": {"type": "string", "description": "data:image/jpeg|png|webp;base64,… (≤ 5 MB)"},
        "address": STRING, "rt": STRING, "rw": STRING, "kelurahan": STRING, "kecamatan": STRING,
        "city": STRING, "postal_code": STRING, "latitude": NUMBER, "longitude": NUMBER, "address_notes": STRING,
        "package_id": INTEGER,
        "monthly_price": {"type": "integer", "description": "optional: the price (whole Rupiah) the form showed; "
                          "a different price today is refused with 409 and the current one"},
        "preferred_installation_date": {"type": "string", "format": "date"},
        "preferred_time_slot": STRING, "notes": STRING, "referral_code": STRING,
        "utm_source": STRING, "utm_medium": STRING, "utm_campaign": STRING,
    },
}
PUBLIC_STATUS = {
    "type": "object",
    "properties": {
        "registration_number": STRING, "status": {"enum": [s.value for s in Status]}, "status_label": STRING,
        "name": {"type": "string", "description": "masked, e.g. B*** S******"},
        "package": {"type": "object"}, "created_at": STRING, "survey_date": NULLABLE_STRING,
        "rejection_reason": NULLABLE_STRING, "next_step": STRING, "tracking_url": STRING,
        "timeline": {"type": "array", "items": {"type": "object"}},
    },
}
REGISTRATION = {"type": "object", "description": "every stored field; NIK masked for roles without identity access"}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": INTEGER}
SECURED = [{"bearer": []}]
TIMEFRAME_PARAMS = [
    {"name": "days", "in": "query", "schema": {"enum": [7, 30, 60, 90], "default": 30},
     "description": "the last N local days (alias: timeframe)"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "custom range start"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "custom range end"},
]
ANALYTICS = {
    "overview": "KPIs (total, approved and approval rate, conversion, average step times, pending > 24 h) "
                "and the status distribution",
    "trends": "Registrations per local day (with how many were approved/rejected) and the weekday × hour heatmap",
    "package-popularity": "Per package: registrations, approved, approval rate, monthly revenue potential",
    "rejection-analysis": "Rejection reasons with counts and shares",
    "geographic-distribution": "Registrations by city and by kecamatan (official region codes)",
    "funnel": "Lifecycle funnel (total → verified → survey → approved → customer), the WhatsApp registration "
              "chat per question (reached, answered, dropped, median seconds, re-prompts) and the OTP step",
}


def _analytics_paths() -> dict[str, Any]:
    window = {"type": "object", "properties": {"from": STRING, "to": STRING, "timezone": STRING}}
    return {
        f"/api/registration-analytics/{name}": {"get": {
            "summary": summary, "tags": ["analytics"], "security": SECURED, "parameters": TIMEFRAME_PARAMS,
            "responses": {"200": _json(_answer({"type": "object", "properties": {"window": window}}), "the numbers"),
                          "400": ERROR, "401": ERROR, "403": ERROR}}}
        for name, summary in ANALYTICS.items()
    }


def document(public_url: str) -> dict[str, Any]:
    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "ispbot registration API", "version": "1.0.0",
                 "description": "The seed system's registration API. Every answer is {success, message, data}."},
        "servers": [{"url": public_url}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "a staff user's API token"}}},
        "paths": {
            "/api/registrations/public/request-otp": {"post": {
                "summary": "Send a 6-digit OTP to the WhatsApp number (never echoed)", "tags": ["public"],
                "requestBody": body({"type": "object", "required": ["phone"],
                                     "properties": {"phone": STRING, "full_name": {
                                         "type": "string", "description": "optional; a name as the chat "
                                         "takes it (letters, spaces, ' . -), else 400; not put in the message"}}}),
                "responses": {"200": _json(_answer({"type": "object"}), "sent"), "400": ERROR, "422": ERROR,
                              "429": _json(_answer({"type": "object", "properties": {"retry_after": INTEGER}}),
                                           "too soon or too many")}}},
            "/api/registrations/public/verify-otp": {"post": {
                "summary": "Check the OTP; the phone counts as verified for 30 minutes", "tags": ["public"],
                "requestBody": body({"type": "object", "required": ["phone", "otp"],
                                     "properties": {"phone": STRING, "otp": STRING}}),
                "responses": {"200": _json(_answer({"type": "object"}), "verified"), "400": ERROR, "422": ERROR,
                              "429": ERROR}}},
            "/api/registrations/public": {"post": {
                "summary": "Register (the phone must be verified)", "tags": ["public"],
                "requestBody": body(REGISTRATION_INPUT),
                "responses": {
                    "201": _json(_answer({"type": "object", "properties": {
                        "registration_number": STRING, "tracking_url": STRING,
                        "warnings": {"type": "array", "items": STRING}}}), "registered"),
                    "400": ERROR, "403": ERROR, "409": ERROR, "413": ERROR, "422": ERROR, "429": ERROR}}},
            "/api/registrations/public/status/{identifier}": {"get": {
                "summary": "Status by registration number or e-mail (no personal data)", "tags": ["public"],
                "parameters": [{"name": "identifier", "in": "path", "required": True, "schema": STRING}],
                "responses": {"200": _json(_answer(PUBLIC_STATUS), "found"), "404": ERROR, "429": ERROR}}},
            "/api/registrations/public/packages": {"get": {
                "summary": "The broadband packages", "tags": ["public"],
                "responses": {"200": _json(_answer({"type": "array", "items": {"type": "object"}}), "packages")}}},
            "/api/registrations": {"get": {
                "summary": "Search registrations", "tags": ["staff"], "security": SECURED,
                "parameters": [
                    {"name": "search", "in": "query", "schema": STRING},
                    {"name": "status", "in": "query", "schema": {"enum": [s.value for s in Status]}},
                    {"name": "page", "in": "query", "schema": INTEGER},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                "responses": {"200": _json(_answer({"type": "object", "properties": {
                    "registrations": {"type": "array", "items": REGISTRATION},
                    "pagination": {"type": "object"}}}), "a page"), "401": ERROR, "403": ERROR}}},
            "/api/registrations/stats": {"get": {
                "summary": "KPI counts", "tags": ["staff"], "security": SECURED,
                "responses": {"200": _json(_answer({"type": "object"}), "counts"), "401": ERROR}}},
            "/api/registrations/{id}": {"get": {
                "summary": "One registration", "tags": ["staff"], "security": SECURED, "parameters": [ID_PARAM],
                "responses": {"200": _json(_answer(REGISTRATION), "found"), "401": ERROR, "404": ERROR}}},
            "/api/registrations/{id}/status": {"put": {
                "summary": "Apply a lifecycle step; the customer is told on WhatsApp", "tags": ["staff"],
                "security": SECURED, "parameters": [ID_PARAM],
                "requestBody": body({"type": "object", "required": ["status"], "properties": {
                    "status": {"enum": ["verified", "survey_scheduled", "survey_completed", "approved",
                                        "rejected", "customer_created"]},
                    "notes": STRING, "rejection_reason": STRING,
                    "survey_date": {"type": "string", "format": "date-time"}}}),
                "responses": {"200": _json(_answer(REGISTRATION), "changed"), "400": ERROR, "401": ERROR,
                              "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}}},
            "/api/registrations/{id}/create-customer": {"post": {
                "summary": "Create the customer (id <PREFIX>YYYYMMDDNNNN) and the installation ticket",
                "tags": ["staff"], "security": SECURED, "parameters": [ID_PARAM],
                "responses": {"200": _json(_answer(REGISTRATION), "created"), "401": ERROR, "403": ERROR,
                              "404": ERROR, "409": ERROR}}},
            **_analytics_paths(),
            "/api/openapi.json": {"get": {"summary": "This document", "tags": ["meta"],
                                          "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
    }


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document(request.app[SERVICES].settings.public_url))


def setup_openapi(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_json)
