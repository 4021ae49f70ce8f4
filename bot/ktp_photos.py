"""KTP photos: the chat only records which gateway media the customer sent; this job
fetches it through that gateway, keeps it only if its bytes are really a JPEG, PNG or WebP
image under 5 MiB, and stores it under a generated name in the private data directory
(never served publicly; the name the customer's file had is never used), encrypted
(`ispbot.ktp_encryption`). A photo that is not such an image, or is too large, is dropped
and the customer is told on WhatsApp why and that staff will ask for the KTP at
verification. A photo that cannot be fetched is retried at the next run.

The URL comes from a webhook, so it is fetched only where a gateway's media can be: the
gateway's own configured host (WAHA or Evolution on the ISP's server), or a host whose
every address is public. A loopback, private or link-local address (the server's own
admin, a cloud metadata endpoint) is refused like a file that is not an image."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import socket
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.ktp_encryption import PhotoCipher, write_photo
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import outbox
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


class MediaRefused(Exception):
    """The media URL points where no gateway's media is (see the module's doc)."""


async def may_fetch(services: Services, provider_name: str, url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if provider_name == "sandbox":
        return True  # on only with no real gateway: a developer's machine
    gateway_url = getattr(services.settings, f"{provider_name}_base_url", None)
    if gateway_url and _origin(urlsplit(gateway_url)) == _origin(parts):
        return True
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError:
            return True  # unresolvable: the fetch fails by itself and is retried
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in found}
    return all(address.is_global for address in addresses)


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


async def _download(services: Services, provider_name: str, ref: str) -> bytes:
    provider = services.providers.get(provider_name)
    fetch = getattr(provider, "fetch_media", None)
    if fetch is not None and not ref.startswith(("http://", "https://")):
        data, _mime = await fetch(ref)
        return bytes(data)
    if not await may_fetch(services, provider_name, ref):
        raise MediaRefused(ref)
    async with services.http.stream("GET", ref) as response:
        response.raise_for_status()
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) > MAX_BYTES:
                return bytes(chunks)  # enough to know it is too large; refused below
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
        except MediaRefused:
            log.warning("ktp photo of registration %s: URL on a private or local address refused", registration_id)
            data = b""  # dropped as not an image; staff ask for the KTP at verification
        except (httpx.HTTPError, ValueError, OSError) as exc:
            log.warning("ktp photo of registration %s not fetched yet: %s", registration_id, type(exc).__name__)
            continue
        except Exception:
            log.exception("ktp photo of registration %s: unexpected error", registration_id)
            continue
        too_large = len(data) > MAX_BYTES
        extension = None if too_large else image_type(data)
        name = None
        if extension:
            name = f"{secrets.token_hex(16)}.{extension}"
            write_photo(photo_dir(services), name, data, PhotoCipher.of(services.settings))
        async with services.db.transaction() as session:
            registration = await session.get(Registration, registration_id)
            if registration is not None and registration.id_card_photo == reference:
                registration.id_card_photo = name  # None: not an image, nothing kept
                if name is None:
                    log.info("ktp photo of registration %s refused (%s)", registration_id,
                             "too large" if too_large else "not an image")
                    await _tell_refused(services, session, registration, provider_name, too_large=too_large)
        stored += 1 if name else 0
    return stored


async def _tell_refused(
    services: Services, session: AsyncSession, registration: Registration, provider: str, *, too_large: bool
) -> None:
    text = services.messages.render(
        registration.locale, "ktp_photo_refused", number=registration.registration_number, too_large=too_large,
        max_mb=MAX_BYTES // (1024 * 1024),
    )
    message = OutboundMessage(to=Contact(phone=registration.phone), kind=OutboundKind.TEXT, text=text)
    await outbox.enqueue(session, provider=provider, message=message, now=services.clock.now(),
                         purpose="ktp_photo_refused")
