"""A KTP photo sent by chat is fetched through its gateway and stored privately, but only
when its bytes are really an image."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ispbot.chat_photos import image_type
from ispbot.ktp_encryption import PhotoCipher, read_photo
from ispbot.ktp_photos import fetch_pending_photos
from ispbot.storage import pending_photos, registrations
from ispbot.storage.models import PendingPhoto, Registration
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_rest_of_registration

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def serve_photo(h: Harness, answer: httpx.Response) -> None:
    """The photo host answers `answer`; the gateway API stays the recording fake."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            return answer
        return h.gateway.handle(request)

    h.services.http._transport = httpx.MockTransport(route)


async def register_with_photo(fonnte: Harness, url: str) -> None:
    chat = Chat(fonnte)
    for text in ["halo", "1", "Budi Santoso", "budi@gmail.com", "1", "lewati"]:
        await chat.send(text)
    [street] = await chat.send(image_url=url)
    assert "alamat jalan" in street
    await chat.send("Jl. Sukajadi No. 10")
    await chat.send("1/2")
    summary = (await to_rest_of_registration(chat))[-1]
    assert "Foto KTP:* terlampir" in summary
    await chat.send("kirim")


async def photo_of(fonnte: Harness) -> str | None:
    async with fonnte.services.db.sessions() as s:
        return (await s.execute(select(Registration.id_card_photo))).scalar_one()


async def test_a_real_image_is_stored_privately_under_a_generated_name(fonnte: Harness) -> None:
    serve_photo(fonnte, httpx.Response(200, content=JPEG))
    await register_with_photo(fonnte, "https://files.example/ktp%20../../etc/passwd.jpg")
    assert (await photo_of(fonnte) or "").startswith("pending:fonnte:")
    assert await fetch_pending_photos(fonnte.services) == 1
    name = await photo_of(fonnte)
    assert name and name.endswith(".jpg") and "/" not in name and "passwd" not in name
    stored = fonnte.services.settings.data_dir / "ktp" / name
    on_disk = stored.read_bytes()
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert JPEG not in on_disk and image_type(on_disk) is None  # encrypted at rest
    assert read_photo(stored, PhotoCipher.of(fonnte.services.settings)) == JPEG


async def test_something_that_is_not_an_image_is_not_kept_and_the_customer_is_told(fonnte: Harness) -> None:
    serve_photo(fonnte, httpx.Response(200, content=b"<?php evil(); ?>"))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    assert await fetch_pending_photos(fonnte.services) == 0
    assert await photo_of(fonnte) is None
    assert not list((fonnte.services.settings.data_dir / "ktp").glob("*"))
    await fonnte.settle()
    told = fonnte.gateway.texts_to("6281200000101")[-1]
    assert "bukan foto JPG, PNG atau WebP" in told and "REG-" in told


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/admin/users", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/x.jpg",
    "http://[::1]/x.jpg", "http://localhost/x.jpg",
])
async def test_a_photo_url_on_a_local_or_private_address_is_never_fetched(fonnte: Harness, url: str) -> None:
    """The URL comes from the webhook: fetching it blindly let a forged message make the
    server request its own admin or a cloud metadata endpoint."""
    fetched: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host != "api.fonnte.com":
            fetched.append(str(request.url))
            return httpx.Response(200, content=JPEG)
        return fonnte.gateway.handle(request)

    fonnte.services.http._transport = httpx.MockTransport(route)
    await register_with_photo(fonnte, url)
    assert await fetch_pending_photos(fonnte.services) == 0
    assert fetched == [] and await photo_of(fonnte) is None


async def test_a_self_hosted_gateways_own_host_may_serve_its_media(tmp_path: Path) -> None:
    from ispbot.chat_photos import may_fetch
    from tests.conftest import make_settings

    class Just:
        settings = make_settings("sqlite+aiosqlite:///x.db", tmp_path, waha_base_url="http://127.0.0.1:3000")

    assert await may_fetch(Just(), "waha", "http://127.0.0.1:3000/api/files/abc.jpeg")  # type: ignore[arg-type]
    assert not await may_fetch(Just(), "waha", "http://127.0.0.1:8080/admin")  # type: ignore[arg-type]
    assert not await may_fetch(Just(), "fonnte", "file:///etc/passwd")  # type: ignore[arg-type]


async def test_a_huge_photo_is_refused_once_not_retried_forever(fonnte: Harness) -> None:
    serve_photo(fonnte, httpx.Response(200, content=JPEG + b"\x00" * (6 * 1024 * 1024)))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    assert await fetch_pending_photos(fonnte.services) == 0
    assert await photo_of(fonnte) is None  # not "pending:" any more
    assert await fetch_pending_photos(fonnte.services) == 0
    await fonnte.settle()
    assert "lebih dari 5 MB" in fonnte.gateway.texts_to("6281200000101")[-1]
    assert not list((fonnte.services.settings.data_dir / "ktp").glob("*"))


async def test_a_file_that_is_not_a_photo_is_refused_in_the_chat(cloudapi: Harness) -> None:
    import json

    from tests.flows.chat import Chat

    chat = Chat(cloudapi, gateway="cloudapi")
    await chat.send("halo")
    for text in ["1", "Budi Santoso", "budi@gmail.com"]:
        await chat.send(text)
    await chat.tap("ini")
    await chat.send("3273010101900001")
    body = chat._cloudapi("", None, None, "x")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["mime_type"] = "application/x-msdownload"
    raw = json.dumps(body).encode()
    from tests.bot.test_webhooks import meta_signature

    assert (await cloudapi.post("cloudapi", raw, headers=meta_signature(raw))).status == 200
    await cloudapi.settle()
    refused, again = chat.replies()
    assert "foto (JPG/PNG)" in refused and "foto KTP" in again  # asked again, nothing stored


def count_fetches(h: Harness, answer: httpx.Response) -> list[str]:
    """The photo host answers `answer` every time; the URLs it was asked for, in order."""
    fetched: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            fetched.append(h.clock.now().strftime("%H:%M"))
            return answer
        return h.gateway.handle(request)

    h.services.http._transport = httpx.MockTransport(route)
    return fetched


async def test_a_gateway_outage_is_retried_a_few_minutes_later_not_at_every_run(fonnte: Harness) -> None:
    """The job runs every minute: a photo the gateway failed to hand over was asked for
    again at every run, for ever."""
    fetched = count_fetches(fonnte, httpx.Response(503))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    assert await fetch_pending_photos(fonnte.services) == 0
    fonnte.clock.advance(minutes=1)
    assert await fetch_pending_photos(fonnte.services) == 0
    assert len(fetched) == 1 and (await photo_of(fonnte) or "").startswith("pending:fonnte:")
    serve_photo(fonnte, httpx.Response(200, content=JPEG))
    fonnte.clock.advance(minutes=4)  # five minutes after the failure
    assert await fetch_pending_photos(fonnte.services) == 1
    assert (await photo_of(fonnte) or "").endswith(".jpg")
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(PendingPhoto))).first() is None  # its attempts are forgotten too


async def run_every_minute(h: Harness, hours: int) -> None:
    for _ in range(hours * 60):
        await fetch_pending_photos(h.services)
        h.clock.advance(minutes=1)


async def test_a_photo_that_never_comes_is_given_up_after_six_attempts_and_the_customer_told(fonnte: Harness) -> None:
    fetched = count_fetches(fonnte, httpx.Response(503))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    start = fonnte.clock.now()
    await run_every_minute(fonnte, hours=6)
    assert fetched == [(start + timedelta(minutes=m)).strftime("%H:%M") for m in (0, 5, 15, 35, 75, 155)]
    assert await photo_of(fonnte) is None  # given up, not pending any more
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(PendingPhoto))).first() is None
        registration = (await s.execute(select(Registration))).scalar_one()
        [*_, note] = await registrations.history(s, registration.id)
    assert "Foto KTP yang dikirim pelanggan lewat WhatsApp tidak bisa diambil" in (note.note or "")
    assert note.to_status == registration.status == "pending_verification"  # the registration goes on
    await fonnte.settle()
    told = fonnte.gateway.texts_to("6281200000101")
    assert sum("tidak berhasil kami terima" in t for t in told) == 1
    assert registration.registration_number in told[-1] and "meminta foto KTP Anda saat verifikasi" in told[-1]


@pytest.mark.parametrize("status", [404, 410])
async def test_media_the_gateway_says_is_gone_is_given_up_at_once(fonnte: Harness, status: int) -> None:
    fetched = count_fetches(fonnte, httpx.Response(status))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    await run_every_minute(fonnte, hours=1)
    assert len(fetched) == 1 and await photo_of(fonnte) is None
    await fonnte.settle()
    assert "tidak berhasil kami terima dari WhatsApp" in fonnte.gateway.texts_to("6281200000101")[-1]


async def test_a_photo_replaced_while_its_fetch_failed_is_not_given_up(fonnte: Harness) -> None:
    """Staff deleted the registration's KTP (or the customer's data was erased) between two
    attempts: nothing is told, the kept reference goes."""
    count_fetches(fonnte, httpx.Response(503))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    await fetch_pending_photos(fonnte.services)
    async with fonnte.services.db.transaction() as s:
        registration = (await s.execute(select(Registration))).scalar_one()
        await pending_photos.forget(s, registration.id_card_photo)
        registration.id_card_photo = None
    await run_every_minute(fonnte, hours=4)
    await fonnte.settle()
    assert not any("tidak berhasil kami terima" in t for t in fonnte.gateway.texts_to("6281200000101"))
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(PendingPhoto))).first() is None


@pytest.mark.parametrize(("answer", "attempts"), [
    (httpx.Response(404, json={"error": {"code": 100, "message": "Unsupported get request"}}), 1),  # expired
    (httpx.Response(500, json={"error": {"code": 2, "message": "Service temporarily unavailable"}}), 6),
])
async def test_cloud_api_media_gone_is_given_up_at_once_an_outage_after_six_tries(
    cloudapi: Harness, answer: httpx.Response, attempts: int
) -> None:
    """Meta keeps an inbound media id for a limited time; its answer for one gone is a
    permanent error (before, any gateway error was retried every minute for ever)."""
    from tests.webadmin.support import make_registration

    asked: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/65463453"):
            asked.append(request.url.path)
            return answer
        return cloudapi.gateway.handle(request)

    cloudapi.services.http._transport = httpx.MockTransport(route)
    registration = await make_registration(cloudapi, id_card_photo="pending:cloudapi:65463453")
    await run_every_minute(cloudapi, hours=4)
    assert len(asked) == attempts and await photo_of(cloudapi) is None
    await cloudapi.settle()
    told = [r for r in cloudapi.gateway.requests if r.recipient == registration.phone][-1].json
    assert told["template"]["name"] == "ispbot_ktp_photo_not_received"  # they never wrote: no window open


def test_image_types_are_judged_by_content() -> None:
    assert image_type(JPEG) == "jpg"
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"GIF89a") is None and image_type(b"%PDF-1.7") is None


async def test_a_signed_url_longer_than_the_photo_column_is_kept_and_fetched(fonnte: Harness) -> None:
    """A signed S3 URL (Evolution's copy of the media) runs to hundreds of characters; the
    column holds 200 (on PostgreSQL the registration failed, elsewhere a cut URL)."""
    fetched: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example":
            fetched.append(str(request.url))
            return httpx.Response(200, content=JPEG)
        return fonnte.gateway.handle(request)

    fonnte.services.http._transport = httpx.MockTransport(route)
    url = "https://files.example/ktp.jpg?X-Amz-Credential=AKIA&X-Amz-Signature=" + "ab" * 200
    await register_with_photo(fonnte, url)
    assert len(await photo_of(fonnte) or "") <= 200
    assert await fetch_pending_photos(fonnte.services) == 1
    assert fetched == [url] and (await photo_of(fonnte) or "").endswith(".jpg")
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(PendingPhoto))).first() is None  # the long URL is not kept
