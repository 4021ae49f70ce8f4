"""The seed's public JSON API, for the ISP's website forms (no login):

    POST /api/registrations/public/request-otp   {phone, full_name}
    POST /api/registrations/public/verify-otp    {phone, otp}
    POST /api/registrations/public                the registration (CONTRACT.md fields)
    GET  /api/registrations/public/status/{identifier}   registration number or e-mail
    GET  /api/registrations/public/packages       the broadband packages to choose from

The OTP goes out on WhatsApp through the outbox and is never echoed; its message holds
nothing the caller typed, as the number is anyone's until the code comes back. A verified OTP
marks the phone as verified for 30 minutes (the used code's row is the proof), and only
a verified phone can register. Every POST and status look-up counts against a per-IP
limit. Answers are `{success, message, data}`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.app import SENDER
from ispbot.client_address import client_ip
from ispbot.ktp_encryption import PhotoCipher
from ispbot.messages import rupiah
from ispbot.storage import otp, registrations
from ispbot.storage.models import OtpCode, Package
from ispbot.webadmin import intake, messaging
from ispbot.webadmin.jsonapi import ApiError, answer, api_view, read_json, text_field
from ispbot.webadmin.ratelimit import PUBLIC_REQUESTS
from ispbot.webadmin.track import find_public, installation_step, public_status
from ispbot.webhooks import SERVICES
from ispbot.workflow import tracking_url

PURPOSE = "registration"
VERIFIED_FOR = timedelta(minutes=30)
MAX_REGISTRATION_BODY = 8 * 1024 * 1024  # a KTP photo as a data URL

OTP_RESULTS = {
    otp.OtpResult.BURNED: "Kode OTP salah 3 kali dan sudah tidak berlaku. Minta kode baru.",
    otp.OtpResult.EXPIRED: "Kode OTP sudah kedaluwarsa. Minta kode baru.",
    otp.OtpResult.NONE: "Belum ada kode OTP untuk nomor ini. Minta kode dulu.",
    otp.OtpResult.NOT_A_CODE: "Kode OTP terdiri dari 6 angka.",
}


def _limit(request: web.Request) -> None:
    services = request.app[SERVICES]
    if request.app[PUBLIC_REQUESTS].hit(client_ip(request), services.clock.now()):
        raise ApiError(429, "Terlalu banyak permintaan. Coba lagi beberapa menit lagi.")


@api_view
async def request_otp(request: web.Request) -> web.StreamResponse:
    _limit(request)
    services = request.app[SERVICES]
    body = await read_json(request)
    phone = intake.normalize_whatsapp(text_field(body, "phone", max_length=30, required=True) or "")
    _check_requester_name(body)
    now = services.clock.now()
    async with services.db.transaction() as session:
        issued = await otp.issue(session, phone=phone, purpose=PURPOSE, now=now, secret_key=services.settings.secret_key or "")
        if isinstance(issued, otp.Refusal):
            seconds = max(1, int(issued.retry_after.total_seconds()))
            raise ApiError(429, f"Tunggu {seconds} detik sebelum meminta kode baru.", {"retry_after": seconds})
        minutes = int((issued.expires_at - now).total_seconds() // 60)
        await messaging.queue(services, session, phone=phone, contact_key=phone, template="otp", purpose="otp",
                              sent_by=None, code=issued.code, minutes=minutes)
    request.app[SENDER].wake()
    return answer({"phone": phone, "expires_in": minutes * 60}, "Kode OTP telah dikirim ke WhatsApp Anda.")


def _check_requester_name(body: dict[str, Any]) -> None:
    """`full_name` may be left out (the seed's forms send it), but one given must be a name
    the registration chat would take: anyone may ask for a code for any number, and a
    "name" of links and line breaks is a phishing text in the making. 400 otherwise. The
    code message does not carry the name either (otp.j2), so nothing typed here reaches
    the number."""
    value = body.get("full_name")
    if value is None or (isinstance(value, str) and not value.strip()):
        return
    if not isinstance(value, str):
        raise ApiError(400, "full_name harus teks.", {"field": "full_name"})
    intake.checked_name(value, status=400)


@api_view
async def verify_otp(request: web.Request) -> web.StreamResponse:
    _limit(request)
    services = request.app[SERVICES]
    body = await read_json(request)
    phone = intake.normalize_whatsapp(text_field(body, "phone", max_length=30, required=True) or "")
    code = text_field(body, "otp", max_length=12, required=True) or ""
    now = services.clock.now()
    async with services.db.transaction() as session:
        check = await otp.verify(session, phone=phone, purpose=PURPOSE, code=code, now=now,
                                 secret_key=services.settings.secret_key or "")
    if check.result is otp.OtpResult.WRONG:
        raise ApiError(422, f"Kode OTP salah. Sisa {check.attempts_left} percobaan.",
                       {"attempts_left": check.attempts_left})
    if check.result is not otp.OtpResult.OK:
        raise ApiError(422, OTP_RESULTS[check.result], {"reason": check.result.value})
    return answer({"phone": phone, "verified": True, "valid_until": (now + VERIFIED_FOR).isoformat()},
                  "Nomor WhatsApp terverifikasi.")


async def _phone_verified(session: AsyncSession, phone: str, now: datetime) -> bool:
    """Whether this phone passed an OTP check within the last 30 minutes."""
    found = await session.execute(
        select(OtpCode.id).where(
            OtpCode.phone == phone, OtpCode.purpose == PURPOSE,
            OtpCode.used_at.is_not(None), OtpCode.used_at >= now - VERIFIED_FOR,
        ).limit(1)
    )
    return found.first() is not None


@api_view
async def register(request: web.Request) -> web.StreamResponse:
    _limit(request)
    services = request.app[SERVICES]
    body = await read_json(request, max_size=MAX_REGISTRATION_BODY)
    now = services.clock.now()
    checked = intake.parse(body, today=now.astimezone(services.settings.tz).date(),
                           horizon_days=services.settings.installation_horizon_days)
    new = checked.new
    photo_name = (intake.save_photo(services.settings.data_dir, checked.photo, PhotoCipher.of(services.settings))
                  if checked.photo else None)
    new.id_card_photo = photo_name
    try:
        async with services.db.transaction() as session:
            if not await _phone_verified(session, new.phone, now):
                raise ApiError(403, "Nomor WhatsApp belum diverifikasi. Minta dan masukkan kode OTP dulu.",
                               {"field": "phone"})
            package = await session.get(Package, new.package_id)
            if package is None or not package.is_active or package.category != "broadband":
                raise ApiError(422, "Paket tidak tersedia.", {"field": "package_id"})
            if checked.shown_price is not None and checked.shown_price != package.monthly_price:
                raise ApiError(409, f"Harga {package.name} sekarang {rupiah(package.monthly_price)} per bulan, "
                                    f"bukan {rupiah(checked.shown_price)}. Periksa lagi, lalu kirim ulang.",
                               {"field": "monthly_price", "monthly_price": package.monthly_price})
            duplicate = await registrations.find_duplicate(session, email=new.email, phone=new.phone)
            if duplicate is not None:
                raise ApiError(409, _duplicate_message(duplicate), {"matched_on": duplicate.matched_on})
            # today's price (…/public/packages lists it), which the form showed when it sends
            # `monthly_price` (checked above)
            registration = await registrations.create(session, new, quoted_monthly_price=package.monthly_price,
                                                      now=now, timezone=services.settings.tz, actor_label="web")
            url = tracking_url(services, registration)
            await messaging.queue(services, session, phone=new.phone, contact_key=new.phone,
                                  template="registration_confirmation", purpose="registration_confirmation",
                                  sent_by=None, registration=registration, package=package, tracking_url=url)
    except BaseException:
        if photo_name:
            (services.settings.data_dir / "ktp" / photo_name).unlink(missing_ok=True)
        raise
    request.app[SENDER].wake()
    return answer(
        {"registration_number": registration.registration_number, "tracking_url": url, "warnings": checked.warnings},
        "Pendaftaran berhasil. Nomor registrasi dan link pelacakan dikirim ke WhatsApp Anda.", status=201,
    )


def _duplicate_message(duplicate: registrations.Duplicate) -> str:
    if duplicate.customer_code:
        return "Anda sudah terdaftar sebagai pelanggan. Hubungi CS kami bila butuh bantuan."
    if duplicate.matched_on == "phone":
        return f"Nomor WhatsApp ini sudah memiliki pendaftaran aktif ({duplicate.registration_number})."
    return "Email ini sudah dipakai pendaftaran yang masih aktif. Hubungi CS bila itu Anda."


@api_view
async def status(request: web.Request) -> web.StreamResponse:
    _limit(request)
    services = request.app[SERVICES]
    registration = await find_public(services, request.match_info["identifier"])
    if registration is None:
        raise ApiError(404, "Pendaftaran tidak ditemukan.")
    return answer(public_status(services, registration, await installation_step(services, registration)))


@api_view
async def packages(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        rows = await registrations.packages(session)
    return answer([
        {"id": p.id, "code": p.code, "name": p.name, "speed_mbps": p.speed_mbps,
         "monthly_price": p.monthly_price, "description": p.description}
        for p in rows
    ])


def setup_public_api(app: web.Application) -> None:
    app.router.add_post("/api/registrations/public/request-otp", request_otp)
    app.router.add_post("/api/registrations/public/verify-otp", verify_otp)
    app.router.add_post("/api/registrations/public", register)
    app.router.add_get("/api/registrations/public/status/{identifier}", status)
    app.router.add_get("/api/registrations/public/packages", packages)
