"""A whole day's work with every log at DEBUG: registration by chat (with a second number
confirmed by OTP), tracking, staff actions in the admin and the API, a gateway outage, a
failing KTP photo. The captured logs must hold no OTP code, no NIK and no full phone number."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
import httpx
import pytest

from ispbot.flows import registration as registration_flow
from ispbot.ktp_photos import fetch_pending_photos
from ispbot.logs import QUIET, configure_logging, redact
from tests.conftest import Harness
from tests.flows.chat import FONNTE, Chat
from tests.webadmin.support import Browser, seed_staff

PHONE = "6281200000101"
OTHER = "6281200000102"
NIK = "3273010101900001"


def phone_forms(phone: str) -> list[str]:
    local = "0" + phone[2:]
    return [phone, local, f"+{phone}", local[:4] + "-" + local[4:8] + "-" + local[8:]]


@pytest.fixture
async def h(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    harness: Harness = await harness_factory(sqlite_url, **FONNTE, public_url="http://isp.example")
    await seed_staff(harness)  # and the packages
    return harness


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """What the service writes to its log, configured as `ispbot serve` does, at DEBUG."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    handler = configure_logging(logging.DEBUG, stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


async def test_logs_hold_no_otp_nik_or_phone_number(h: Harness, service_log: io.StringIO) -> None:
    chat = Chat(h, PHONE)
    for text in ["halo", "1", "Budi Santoso", "budi@gmail.com", "2"]:
        await chat.send(text)
    h.gateway.fail_next(500, "timeout")  # the OTP message needs retries: errors get logged
    await chat.send("0812-0000-0102")
    h.clock.advance(seconds=120)
    await h.settle()
    otp_text = h.gateway.texts_to(OTHER)[-1]
    code = re.search(r"\b(\d{6})\b", otp_text)
    assert code, otp_text
    await chat.send("000000" if code.group(1) != "000000" else "111111")  # one wrong guess
    await chat.send(code.group(1))
    await chat.send(NIK)
    await chat.send(image_url="https://files.example/ktp.jpg")
    for text in ["Jl. Sukajadi No. 10", "001/002", "Kota Bandung", "Sukajadi", "Sukagalih", "ya",
                 "lewati", "lewati", "2", "1", "1", "lewati", "kirim", "status"]:
        await chat.send(text)
    assert any("REG-" in t for t in h.gateway.texts_to(PHONE))

    def no_photo_host(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            raise httpx.ConnectError("no route", request=request)
        return h.gateway.handle(request)

    h.services.http._transport = httpx.MockTransport(no_photo_host)
    await fetch_pending_photos(h.services)

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        admin = Browser(h, http)
        assert (await admin.login("admin")).status == 303
        await admin.page(f"/admin/registrations?q={PHONE}")
        from sqlalchemy import select

        from ispbot.storage.models import Registration

        async with h.services.db.sessions() as s:
            registration = (await s.execute(select(Registration))).scalar_one()
        base = f"/admin/registrations/{registration.id}"
        await admin.page(base)
        await admin.post(f"{base}/actions/verify", {"note": f"NIK {NIK} cocok"})
        await admin.post(f"{base}/message", {"text": f"Halo, nomor Anda {PHONE}"})
        await admin.post("/admin/login", {"username": "admin", "password": "wrong"})
    await h.client.post("/api/registrations/public/request-otp", json={"phone": "081200000103", "full_name": "Sari"})
    await h.client.post("/api/registrations/public/verify-otp", json={"phone": "081200000103", "otp": "123456"})
    await h.settle()

    secrets_ = {"OTP code": code.group(1), "NIK": NIK}
    for phone in (PHONE, OTHER, "6281200000103"):
        for form in phone_forms(phone):
            secrets_[f"phone {form}"] = form
    log = service_log.getvalue()
    assert "ispbot." in log and "aiohttp.access" in log, "the capture is not working"
    leaks = [f"{what}: {line[:300]}" for line in log.splitlines() for what, value in secrets_.items() if value in line]
    assert leaks == [], "\n".join(leaks)


def test_redact_masks_phones_and_niks_but_not_other_numbers() -> None:
    line = "GET /admin/registrations?q=081200000101 +62 812-0000-0102 6281200000103 NIK 3273010101900001 id 123456"
    assert redact(line) == ("GET /admin/registrations?q=0812****101 6281****102 6281****103 "
                            "NIK 3273********0001 id 123456")


# Every layout the chat takes a NIK in (storage/identity.normalize_nik) and a phone number in
# (providers/phone.normalize_phone); the numbers are the same, only written apart differently.
NIK_LAYOUTS = ["3273 0101 0190 0001", "3273.0101.0190.0001", "3273-0101-0190-0001", "327301 010190 0001"]
PHONE_LAYOUTS = ["+62 812-0000-0104", "0812 0000 0104", "0812-0000-0104", "0812.0000.0104", "62812 0000 0104",
                 "+62 (812) 0000-0104", "(0812) 0000 0104", "+62 (0)812 0000 0104", "812-0000-0104"]


def written_forms(typed: str) -> list[str]:
    """The typed text, and as it reaches a log: in a query string ("+" or %20) or a repr."""
    return [typed, quote_plus(typed), quote(typed), typed.replace(" ", "\\n")]


async def test_a_nik_or_phone_written_apart_is_masked_in_access_and_error_logs(
    h: Harness, service_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        admin = Browser(h, http)
        assert (await admin.login("admin")).status == 303
        for typed in NIK_LAYOUTS + PHONE_LAYOUTS:  # a CS agent searches as the customer reads it out
            await admin.page(f"/admin/registrations?q={quote_plus(typed)}")  # a form's GET
            await admin.page(f"/admin/registrations?q={quote(typed)}")  # a link or a script

    def unreadable(text: str, *, today: object) -> None:
        raise ValueError(f"cannot read {text!r}")

    monkeypatch.setattr(registration_flow, "validate_nik", unreadable)
    chat = Chat(h, PHONE)
    for text in ["halo", "1", "Budi Santoso", "budi@gmail.com", "1"]:
        await chat.send(text)
    await chat.send("nik saya " + " / ".join(NIK_LAYOUTS) + "\nhp " + " / ".join(PHONE_LAYOUTS))

    log = service_log.getvalue()
    assert "cannot read" in log and "GET /admin/registrations?q=" in log, "the capture is not working"
    leaks = [f"{form!r}: {line[:300]}" for line in log.splitlines()
             for typed in NIK_LAYOUTS + PHONE_LAYOUTS for form in written_forms(typed) if form in line]
    assert leaks == [], "\n".join(leaks)
    apart = r"(?:\W|%[0-9A-F]{2}|\\n)*"  # nor any part of them, written apart in any way
    assert not re.search(rf"0000{apart}0104|0101{apart}0190|0190{apart}0001", log)
    assert "3273********0001" in log and "0812****104" in log and "6281****104" in log


@pytest.mark.parametrize("written", [*NIK_LAYOUTS, "3273  0101  0190  0001", "3273 - 0101 - 0190 - 0001"])
def test_redact_masks_a_nik_in_every_layout(written: str) -> None:
    for form in written_forms(written):
        assert redact(f"GET /admin/registrations?q={form} HTTP/1.1") == "GET /admin/registrations?q=3273********0001 HTTP/1.1"
    assert redact(f"ValueError: 'NIK saya {written} kak'") == "ValueError: 'NIK saya 3273********0001 kak'"


@pytest.mark.parametrize("written", [*PHONE_LAYOUTS, "6281200000104", "081200000104", "+6281200000104",
                                     "+620812 0000 0104", "62 812 0000 0104"])
def test_redact_masks_a_phone_number_in_every_layout_the_chat_takes(written: str) -> None:
    for form in written_forms(written):
        masked = redact(f"GET /admin/registrations?q={form}&page=2 HTTP/1.1")
        assert re.fullmatch(r"GET /admin/registrations\?q=(?:\(|%28)?(0812|6281)\*{4}104&page=2 HTTP/1\.1", masked), (form, masked)
    assert redact(f"ValueError: 'hp sy {written}, kak'").count("****104, kak") == 1


@pytest.mark.parametrize("text", [
    "2026-11-21 03:00:00,812 INFO aiohttp.access: 127.0.0.1 [21/Nov/2026:03:00:00 +0000] \"GET /x HTTP/1.1\" 200 81234",
    "REG-20261121-0001 INV-202612-0003 Rp 199.900", "jam 08.00-12.00", "Chrome/120.0.6099.81 Safari/537.36",
    "32730101019000011 (17 digit)", "id 123456, 200 OK in 0.812 s",
])
def test_redact_leaves_numbers_that_are_neither(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("text", [
    "GET /admin/registrations?after=812345678 HTTP/1.1", "invoice amount=812345678", "Rp 812.345.678",
    "payment 8123456789 recorded", "job 81234567890 done", "message_id=wamid.812345678912",
    "toll-free 0800 1234 5678",  # an 08… that no mobile network has
])
def test_redact_leaves_an_amount_or_id_starting_with_8_as_it_is(text: str) -> None:
    """A 9–12-digit number starting with 8 was masked as a phone wherever it stood (an
    amount, a row id in a link, a gateway's id): a bare 8… is a phone only where its
    context says so, and any number only when phonenumbers takes it for an Indonesian mobile."""
    assert redact(text) == text


@pytest.mark.parametrize(("text", "masked"), [
    ("hp 81200000104", "hp 0812****104"), ("WA: 812 0000 0104", "WA: 0812****104"),
    ("nomor whatsapp saya 8120-0000-104", "nomor whatsapp saya 0812****104"),
    ("GET /admin/registrations?q=81200000104 HTTP/1.1", "GET /admin/registrations?q=0812****104 HTTP/1.1"),
    ("phone=81200000104&page=2", "phone=0812****104&page=2"),
    ("0812 0000 0104 12 orang", "0812****104 12 orang"),  # the phone, then a number of its own
])
def test_redact_still_masks_a_bare_or_run_on_phone_number_where_it_is_one(text: str, masked: str) -> None:
    assert redact(text) == masked
