"""The seed's JSON API: public registration with WhatsApp OTP, the public status look-up,
the staff API with bearer tokens, and the OpenAPI document."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from sqlalchemy import select, update

from ispbot.storage.models import OutboxMessage, Package, Registration, User
from ispbot.webadmin.auth import new_api_token
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration

PHONE = "6281200000111"


def form(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "dewi lestari", "email": "dewi@example.com", "phone": "0812-0000-0111",
        "id_card_number": "3273014506900002", "address": "Jl. Cipaganti No. 5", "rt": "1", "rw": "3",
        "kelurahan": "Sukagalih", "kecamatan": "Sukajadi", "city": "Kota Bandung", "postal_code": "40163",
        "latitude": -6.88, "longitude": 107.6, "address_notes": "Pagar hijau",
        "preferred_installation_date": "2026-11-25", "preferred_time_slot": "08:00-12:00",
        "notes": "Mohon pagi", "referral_code": "TEMAN1", "utm_source": "instagram",
    }
    body.update(overrides)
    return body


async def package_id(h: Harness) -> int:
    async with h.services.db.sessions() as session:
        return int((await session.execute(select(Package.id).where(Package.code == "home-gold-75"))).scalar_one())


async def verified_phone(h: Harness, phone: str = "0812-0000-0111") -> None:
    response = await h.client.post("/api/registrations/public/request-otp", json={"phone": phone, "full_name": "Dewi"})
    body = await response.json()
    assert response.status == 200 and body["success"], body
    assert not re.search(r"\b\d{6}\b", await response.text())  # the code is never echoed
    await h.settle()
    code = re.search(r"\*(\d{6})\*", h.gateway.texts_to(PHONE)[-1])
    assert code, h.gateway.texts_to(PHONE)
    verified = await h.client.post("/api/registrations/public/verify-otp", json={"phone": phone, "otp": code[1]})
    assert verified.status == 200 and (await verified.json())["data"]["verified"] is True


async def test_public_registration_with_otp(h: Harness) -> None:
    await verified_phone(h)
    response = await h.client.post("/api/registrations/public", json=form(package_id=await package_id(h)))
    body = await response.json()
    assert response.status == 201, body
    number = body["data"]["registration_number"]
    assert re.fullmatch(r"REG-20261121-\d{4}", number)
    assert body["data"]["tracking_url"] == f"http://isp.example/track/{number}"
    async with h.services.db.sessions() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.full_name == "Dewi Lestari" and registration.phone == PHONE
    assert registration.whatsapp_verified and registration.source == "web"
    assert (registration.rt, registration.rw) == ("001", "003") and registration.region_code == "32.73.07.1004"
    assert registration.utm_source == "instagram" and registration.referral_code == "TEMAN1"
    await h.settle()
    confirmation = h.gateway.texts_to(PHONE)[-1]
    assert number in confirmation and "Home Gold 75M" in confirmation and "Rp 266.400/bulan" in confirmation


async def test_registration_needs_a_verified_phone(h: Harness) -> None:
    response = await h.client.post("/api/registrations/public", json=form(package_id=await package_id(h)))
    assert response.status == 403 and "belum diverifikasi" in (await response.json())["message"]


async def test_verification_expires_after_thirty_minutes(h: Harness) -> None:
    await verified_phone(h)
    h.clock.advance(minutes=31)
    response = await h.client.post("/api/registrations/public", json=form(package_id=await package_id(h)))
    assert response.status == 403


async def test_wrong_otp_counts_down_and_burns(h: Harness) -> None:
    await h.client.post("/api/registrations/public/request-otp", json={"phone": "081200000111"})
    answers = [await h.client.post("/api/registrations/public/verify-otp", json={"phone": "081200000111", "otp": "000000"})
               for _ in range(3)]
    bodies = [await a.json() for a in answers]
    assert [a.status for a in answers] == [422, 422, 422]
    assert bodies[0]["data"]["attempts_left"] == 2 and bodies[2]["data"]["reason"] == "burned"
    again = await h.client.post("/api/registrations/public/request-otp", json={"phone": "081200000111"})
    assert again.status == 429 and (await again.json())["data"]["retry_after"] > 0


async def test_an_otp_without_digits_is_refused_without_using_an_attempt(h: Harness) -> None:
    await h.client.post("/api/registrations/public/request-otp", json={"phone": "081200000111"})
    words = await h.client.post("/api/registrations/public/verify-otp", json={"phone": "081200000111", "otp": "abcdef"})
    assert words.status == 422 and (await words.json())["data"]["reason"] == "not_a_code"
    wrong = await h.client.post("/api/registrations/public/verify-otp", json={"phone": "081200000111", "otp": "000000"})
    assert (await wrong.json())["data"]["attempts_left"] == 2


PHISHING_NAME = "Pak,\n*Tagihan menunggak!* Bayar: https://evil.example/p"


async def outbox_count(h: Harness) -> int:
    async with h.services.db.sessions() as session:
        return len((await session.execute(select(OutboxMessage.id))).all())


async def test_a_code_request_with_a_text_for_a_name_sends_nothing(h: Harness) -> None:
    """Anyone may ask a code for any number: a "name" that is a message of its own is
    refused, and the ISP's number sends nothing."""
    for name in (PHISHING_NAME, "https://evil.example/p", ["Dewi"], "x" * 101):
        response = await h.client.post("/api/registrations/public/request-otp",
                                       json={"phone": "081234567001", "full_name": name})
        body = await response.json()
        assert response.status == 400 and body["success"] is False, (name, body)
        assert body["data"] == {"field": "full_name"} and body["message"]
    await h.settle()
    assert await outbox_count(h) == 0 and h.gateway.texts_to("6281234567001") == []


async def test_the_code_message_holds_nothing_the_caller_typed(h: Harness) -> None:
    response = await h.client.post("/api/registrations/public/request-otp",
                                   json={"phone": "081234567001", "full_name": "dewi lestari"})
    assert response.status == 200
    await h.settle()
    [sent] = h.gateway.texts_to("6281234567001")
    assert re.search(r"\*\d{6}\*", sent) and "dewi" not in sent.lower()


async def test_a_registration_with_a_text_for_a_name_sends_nothing(h: Harness) -> None:
    await verified_phone(h)
    await h.settle()
    before = await outbox_count(h)
    response = await h.client.post("/api/registrations/public",
                                   json=form(full_name=PHISHING_NAME, package_id=await package_id(h)))
    assert response.status == 422 and (await response.json())["data"]["field"] == "full_name"
    assert await outbox_count(h) == before


async def test_invalid_fields_are_named(h: Harness) -> None:
    await verified_phone(h)
    pid = await package_id(h)
    cases = {
        "email": form(email="dewi@gmial.com", package_id=pid),
        "id_card_number": form(id_card_number="1234", package_id=pid),
        "phone": form(phone="+1 555 0100", package_id=pid),
        "preferred_installation_date": form(preferred_installation_date="2020-01-01", package_id=pid),
        "package_id": form(),
        "city": form(city="", package_id=pid),
    }
    for field, body in cases.items():
        response = await h.client.post("/api/registrations/public", json=body)
        answer = await response.json()
        assert response.status == 422 and answer["data"]["field"] == field, (field, answer)
        assert answer["success"] is False
    suggestion = await (await h.client.post("/api/registrations/public", json=cases["email"])).json()
    assert suggestion["data"]["suggestion"] == "dewi@gmail.com"
    for nik, says in [("3273013102900001", "tidak mungkin"), ("3273010101100001", "belum 17 tahun")]:
        refused = await h.client.post("/api/registrations/public", json=form(id_card_number=nik, package_id=pid))
        answer = await refused.json()  # 31 February 1990; born 2010, 16 on the clock's date
        assert refused.status == 422 and answer["data"]["field"] == "id_card_number" and says in answer["message"]
    bad_json = await h.client.post("/api/registrations/public", data=b"not json")
    assert bad_json.status == 400


async def test_duplicates_are_refused(h: Harness) -> None:
    await make_registration(h, phone=PHONE, email="other@example.com")
    await verified_phone(h)
    response = await h.client.post("/api/registrations/public", json=form(package_id=await package_id(h)))
    body = await response.json()
    assert response.status == 409 and body["data"]["matched_on"] == "phone"


async def test_a_price_changed_since_the_form_showed_it_is_refused_with_the_new_one(h: Harness) -> None:
    await verified_phone(h)
    pid = await package_id(h)
    async with h.services.db.sessions() as session:
        package = await session.get(Package, pid)
        assert package is not None
        price = package.monthly_price
    stale = await h.client.post("/api/registrations/public", json=form(package_id=pid, monthly_price=price - 50_000))
    body = await stale.json()
    assert stale.status == 409 and body["data"] == {"field": "monthly_price", "monthly_price": price}
    assert "per bulan" in body["message"] and "kirim ulang" in body["message"]
    malformed = await h.client.post("/api/registrations/public", json=form(package_id=pid, monthly_price="Rp 1.000"))
    assert malformed.status == 422 and (await malformed.json())["data"]["field"] == "monthly_price"
    fresh = await h.client.post("/api/registrations/public", json=form(package_id=pid, monthly_price=price))
    assert fresh.status == 201
    async with h.services.db.sessions() as session:
        [quoted] = (await session.execute(select(Registration.quoted_monthly_price))).scalars().all()
    assert quoted == price


async def test_an_unknown_address_is_only_a_warning(h: Harness) -> None:
    await verified_phone(h)
    body = form(package_id=await package_id(h), kelurahan="Kampung Antah", kecamatan="Berantah", postal_code="40999")
    response = await h.client.post("/api/registrations/public", json=body)
    assert response.status == 201 and "address_unknown" in (await response.json())["data"]["warnings"]


async def test_ktp_photo_as_a_data_url_is_kept_private(h: Harness, cs: Browser) -> None:
    await verified_phone(h)
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 2_000_000  # over the 1 MiB webhook limit
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    response = await h.client.post("/api/registrations/public", json=form(package_id=await package_id(h), id_card_photo=photo))
    assert response.status == 201, await response.text()
    async with h.services.db.sessions() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    stored = h.services.settings.data_dir / "ktp" / (registration.id_card_photo or "")
    on_disk = stored.read_bytes()
    assert oct(stored.stat().st_mode)[-3:] == "600"
    assert not on_disk.startswith(b"\xff\xd8") and jpeg[:4096] not in on_disk  # encrypted at rest
    shown = await cs.get(f"/admin/registrations/{registration.id}/ktp")
    assert shown.status == 200 and await shown.read() == jpeg  # the admin still shows it
    assert (await h.client.get(f"/static/../ktp/{registration.id_card_photo}")).status == 404


async def test_public_status_shows_only_a_masked_name(h: Harness) -> None:
    registration = await make_registration(h)
    for identifier in (registration.registration_number, "budi@example.com"):
        response = await h.client.get(f"/api/registrations/public/status/{identifier}")
        body = await response.json()
        assert response.status == 200 and body["success"]
        data = body["data"]
        assert data["name"] == "B*** S******" and data["status"] == "pending_verification"
        assert [step["done"] for step in data["timeline"]] == [True, False, False, False, False]
        assert "Budi" not in await response.text() and "6281200000101" not in await response.text()
    missing = await h.client.get("/api/registrations/public/status/REG-20990101-0001")
    assert missing.status == 404 and (await missing.json())["success"] is False


async def test_public_packages(h: Harness) -> None:
    body = await (await h.client.get("/api/registrations/public/packages")).json()
    assert [p["name"] for p in body["data"]][:2] == ["Home Bronze 20M", "Home Silver 40M"]


async def token_for(h: Harness, username: str) -> dict[str, str]:
    token, digest = new_api_token()
    async with h.services.db.transaction() as session:
        await session.execute(update(User).where(User.username == username).values(api_token_hash=digest))
    return {"Authorization": f"Bearer {token}"}


async def test_staff_api_needs_a_token(h: Harness) -> None:
    for path in ("/api/registrations", "/api/registrations/stats", "/api/registrations/1"):
        response = await h.client.get(path)
        assert response.status == 401 and (await response.json())["success"] is False
    wrong = await h.client.get("/api/registrations", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401


async def test_staff_api_lists_searches_and_counts(h: Harness) -> None:
    await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    headers = await token_for(h, "cs")
    body = await (await h.client.get("/api/registrations?search=siti&limit=5", headers=headers)).json()
    assert body["data"]["pagination"] == {"page": 1, "limit": 5, "total": 1, "total_pages": 1}
    [row] = body["data"]["registrations"]
    assert row["full_name"] == "Siti Aminah" and row["package"]["name"] == "Home Silver 40M"
    assert row["id_card_number"] == "3273********0001"  # masked in a list, as in the admin's and exports
    stats = (await (await h.client.get("/api/registrations/stats", headers=headers)).json())["data"]
    assert stats["total"] == 2 and stats["pending_verification"] == 2 and stats["today"] == 2
    one = await (await h.client.get(f"/api/registrations/{row['id']}", headers=headers)).json()
    assert one["data"]["email"] == "siti@example.com"
    assert one["data"]["id_card_number"] == "3273010101900001"  # one registration: CS verify it
    assert (await h.client.get("/api/registrations/999", headers=headers)).status == 404


async def test_staff_api_status_changes_follow_the_lifecycle_and_roles(h: Harness) -> None:
    registration = await make_registration(h)
    cs, admin = await token_for(h, "cs"), await token_for(h, "admin")
    url = f"/api/registrations/{registration.id}"
    refused = await h.client.put(f"{url}/status", json={"status": "approved"}, headers=admin)
    assert refused.status == 409 and "tidak diizinkan" in (await refused.json())["message"]
    ok = await h.client.put(f"{url}/status", json={"status": "verified", "notes": "OK"}, headers=cs)
    assert ok.status == 200 and (await ok.json())["data"]["status"] == "verified"
    no_date = await h.client.put(f"{url}/status", json={"status": "survey_scheduled"}, headers=cs)
    assert no_date.status == 422
    scheduled = await h.client.put(f"{url}/status", json={"status": "survey_scheduled",
                                                          "survey_date": "2026-11-26T10:00:00+07:00"}, headers=cs)
    assert scheduled.status == 200
    early = await h.client.put(f"{url}/status", json={"status": "survey_completed"}, headers=cs)
    assert early.status == 422 and "hari survey" in (await early.json())["message"]  # 21 Nov: not yet
    h.clock.advance(days=5)  # the survey's day
    done = await h.client.put(f"{url}/status", json={"status": "survey_completed"}, headers=cs)
    assert done.status == 200
    forbidden = await h.client.put(f"{url}/status", json={"status": "approved"}, headers=cs)
    assert forbidden.status == 403
    assert (await h.client.put(f"{url}/status", json={"status": "approved"}, headers=admin)).status == 200
    assert (await h.client.post(f"{url}/create-customer", headers=cs)).status == 403
    created = await h.client.post(f"{url}/create-customer", json={"notes": "siap"}, headers=admin)
    assert created.status == 200 and (await created.json())["data"]["status"] == "customer_created"
    bogus = await h.client.put(f"{url}/status", json={"status": "flying"}, headers=admin)
    assert bogus.status == 422
    await h.settle()
    assert len(h.gateway.texts_to("6281200000101")) == 5
    async with h.services.db.sessions() as session:
        senders = set((await session.execute(select(OutboxMessage.sent_by))).scalars())
    assert None not in senders


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def test_a_body_nested_too_deeply_is_a_400_in_the_apis_shape(h: Harness) -> None:
    """Five thousand levels of {"a": …} overflow the JSON parser's recursion: a bad body,
    answered as every other one, not a 500."""
    registration = await make_registration(h)
    staff = {**await token_for(h, "cs"), "Content-Type": "application/json"}
    calls = [
        ("POST", "/api/registrations/public/request-otp", {}),
        ("POST", "/api/registrations/public/verify-otp", {}),
        ("POST", "/api/registrations/public", {}),
        ("PUT", f"/api/registrations/{registration.id}/status", staff),
    ]
    for method, path, headers in calls:
        response = await h.client.request(method, path, data=nested(5000), headers=headers)
        assert response.status == 400, (path, await response.text())
        assert await response.json() == {"success": False, "message": "Body harus JSON.", "data": None}, path
    shallow = await h.client.post("/api/registrations/public/request-otp", data=nested(50))
    assert shallow.status == 422  # read fine: only the phone is missing


async def test_a_lone_surrogate_is_read_as_a_replacement_character_not_a_500(h: Harness) -> None:
    """"\\ud800" alone is valid JSON but no text the database can hold: read as U+FFFD,
    as the webhooks read it."""
    await verified_phone(h)
    body = json.dumps(form(package_id=await package_id(h), notes="Mohon pagi \ud800")).encode()
    assert b"\\ud800" in body
    response = await h.client.post("/api/registrations/public", data=body)
    assert response.status == 201, await response.text()
    async with h.services.db.sessions() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.notes == "Mohon pagi \ufffd"


async def test_openapi_document_describes_every_api_route(h: Harness) -> None:
    response = await h.client.get("/api/openapi.json")
    document = await response.json()
    assert document["openapi"].startswith("3.1")
    routes = {
        re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", route.resource.canonical)
        for route in h.client.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/") and route.method != "HEAD"
    }
    assert routes <= set(document["paths"]), routes - set(document["paths"])
