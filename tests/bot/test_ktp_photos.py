"""A KTP photo sent by chat is fetched through its gateway and stored privately, but only
when its bytes are really an image."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from ispbot.ktp_photos import fetch_pending_photos, image_type
from ispbot.storage.models import Registration
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
    assert stored.read_bytes() == JPEG and oct(stored.stat().st_mode & 0o777) == "0o600"


async def test_something_that_is_not_an_image_is_not_kept(fonnte: Harness) -> None:
    serve_photo(fonnte, httpx.Response(200, content=b"<?php evil(); ?>"))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    assert await fetch_pending_photos(fonnte.services) == 0
    assert await photo_of(fonnte) is None
    assert not list((fonnte.services.settings.data_dir / "ktp").glob("*"))


async def test_a_gateway_outage_is_retried_at_the_next_run(fonnte: Harness) -> None:
    serve_photo(fonnte, httpx.Response(503))
    await register_with_photo(fonnte, "https://files.example/ktp.jpg")
    assert await fetch_pending_photos(fonnte.services) == 0
    assert (await photo_of(fonnte) or "").startswith("pending:")
    serve_photo(fonnte, httpx.Response(200, content=JPEG))
    assert await fetch_pending_photos(fonnte.services) == 1


def test_image_types_are_judged_by_content() -> None:
    assert image_type(JPEG) == "jpg"
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"GIF89a") is None and image_type(b"%PDF-1.7") is None
