"""KTP photos: the chat only records which gateway media the customer sent; this job
fetches it through that gateway, keeps it only if its bytes are really a JPEG, PNG or WebP
image under 5 MiB, and stores it under a generated name in the private data directory
(never served publicly). A photo that cannot be fetched is retried at the next run."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import httpx
from sqlalchemy import select

from ispbot.services import Services
from ispbot.storage.models import Registration

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
PENDING = "pending:"


def image_type(data: bytes) -> str | None:
    """The file extension for allowed image bytes, judged by content, not by name."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def photo_dir(services: Services) -> Path:
    path = services.settings.data_dir / "ktp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


async def _download(services: Services, provider_name: str, ref: str) -> bytes:
    provider = services.providers.get(provider_name)
    fetch = getattr(provider, "fetch_media", None)
    if fetch is not None and not ref.startswith(("http://", "https://")):
        data, _mime = await fetch(ref)
        return bytes(data)
    async with services.http.stream("GET", ref) as response:
        response.raise_for_status()
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) > MAX_BYTES:
                raise ValueError("photo over 5 MiB")
        return bytes(chunks)


async def fetch_pending_photos(services: Services) -> int:
    async with services.db.sessions() as session:
        pending = list(
            (await session.execute(
                select(Registration.id, Registration.id_card_photo).where(Registration.id_card_photo.startswith(PENDING))
            )).all()
        )
    stored = 0
    for registration_id, reference in pending:
        _, provider_name, ref = reference.split(":", 2)
        try:
            data = await _download(services, provider_name, ref)
        except (httpx.HTTPError, ValueError, OSError) as exc:
            log.warning("ktp photo of registration %s not fetched yet: %s", registration_id, type(exc).__name__)
            continue
        except Exception:
            log.exception("ktp photo of registration %s: unexpected error", registration_id)
            continue
        extension = image_type(data) if len(data) <= MAX_BYTES else None
        name = None
        if extension:
            name = f"{secrets.token_hex(16)}.{extension}"
            target = photo_dir(services) / name
            target.write_bytes(data)
            target.chmod(0o600)
        async with services.db.transaction() as session:
            registration = await session.get(Registration, registration_id)
            if registration is not None and registration.id_card_photo == reference:
                registration.id_card_photo = name  # None: not an image, nothing kept
        stored += 1 if name else 0
    return stored
