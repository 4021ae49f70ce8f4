"""Photos customers send by chat (a KTP, the photo of a fault): the chat only records which
gateway media the customer sent (`ispbot.storage.pending_photos`); a job fetches it through
that gateway, keeps it only if its bytes are really a JPEG, PNG or WebP image under 5 MiB,
and stores it under a generated name in its private folder of the data directory (never
served publicly; the name the customer's file had is never used), encrypted
(`ispbot.ktp_encryption`). A photo that is not such an image, or is too large, is dropped
and the customer is told on WhatsApp why. A photo that cannot be fetched is tried again a
few minutes later, and longer each time (`ispbot.storage.pending_photos.RETRY_AFTER`); when
the gateway says the media is gone (404, 410, a permanent gateway error) or the last
attempt failed too, it is given up: the customer is told on WhatsApp that it did not come
through, and staff find a note of it on the registration's or ticket's page. Each kind of
photo is a `PhotoColumn` (`ispbot.ktp_photos`, `ispbot.ticket_photos`).

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from ispbot.ktp_encryption import PhotoCipher, write_photo
from ispbot.providers.errors import PermanentGatewayError
from ispbot.services import Services
from ispbot.storage import pending_photos

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024

# The customer is told a photo was refused: (services, session, the row, gateway, too large).
TellRefused = Callable[[Services, AsyncSession, Any, str, bool], Awaitable[None]]
# A photo given up, never fetched: the customer told, a note for staff (services, session, the row, gateway).
TellNotReceived = Callable[[Services, AsyncSession, Any, str], Awaitable[None]]
# The answers of a media URL that will not change: the media is gone.
GONE = (404, 410)


@dataclass(frozen=True)
class PhotoColumn:
    """One kind of photo: the column naming it (a file name or a pending fetch), the folder
    of its files in the data directory, how the customer hears it was refused, and how the
    customer and staff hear it could not be fetched at all."""

    column: InstrumentedAttribute[str | None]
    folder: str
    tell_refused: TellRefused
    what: str  # in the log: "ktp photo of registration"
    tell_not_received: TellNotReceived


def image_type(data: bytes) -> str | None:
    """The file extension for allowed image bytes, judged by content, not by name."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def photo_dir(services: Services, folder: str) -> Path:
    path = services.settings.data_dir / folder
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def stored_file(data_dir: Path, folder: str, name: str | None) -> Path | None:
    """Where a stored photo's file is; None for no photo, a pending fetch or an unsafe name."""
    if not name or pending_photos.is_pending(name) or Path(name).name != name or name.startswith("."):
        return None
    return data_dir / folder / name


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


class FetchFailed(Exception):
    """A photo not fetched this time; `gone` when the gateway says it never will be."""

    def __init__(self, why: str, *, gone: bool) -> None:
        super().__init__(why)
        self.gone = gone


async def _fetch(services: Services, photos: PhotoColumn, row_id: int, provider_name: str, ref: str) -> bytes:
    """The photo's bytes; b"" for a URL that is refused (dropped as not an image);
    FetchFailed when the gateway does not hand it over."""
    try:
        return await _download(services, provider_name, ref)
    except MediaRefused:
        log.warning("%s %s: URL on a private or local address refused", photos.what, row_id)
        return b""
    except httpx.HTTPStatusError as exc:
        raise FetchFailed(f"HTTP {exc.response.status_code}", gone=exc.response.status_code in GONE) from exc
    except PermanentGatewayError as exc:
        raise FetchFailed(type(exc).__name__, gone=True) from exc
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise FetchFailed(type(exc).__name__, gone=False) from exc
    except Exception as exc:
        log.exception("%s %s: unexpected error", photos.what, row_id)
        raise FetchFailed(type(exc).__name__, gone=False) from exc


async def fetch_pending(services: Services, photos: PhotoColumn) -> int:
    """Fetch every photo of this kind still at its gateway and due; returns how many were stored."""
    model, key = photos.column.class_, photos.column.key
    now = services.clock.now()
    async with services.db.sessions() as session:
        pending = list((await session.execute(
            select(model.id, photos.column).where(photos.column.startswith(pending_photos.PENDING))
        )).all())
        references = [await pending_photos.look_up(session, value) for _, value in pending]
    stored = 0
    for (row_id, value), found in zip(pending, references, strict=True):
        if found is not None and not found.due(now):
            continue  # failed lately: tried again later
        if found is None:
            log.warning("%s %s: its media reference is gone; nothing to fetch", photos.what, row_id)
            data, provider_name = None, ""
        else:
            provider_name = found.provider
            try:
                data = await _fetch(services, photos, row_id, provider_name, found.reference)
            except FetchFailed as failure:
                await _not_fetched(services, photos, row_id, value, found, failure)
                continue
        too_large = data is not None and len(data) > MAX_BYTES
        extension = None if too_large or data is None else image_type(data)
        name = f"{secrets.token_hex(16)}.{extension}" if extension else None
        if name and data is not None:
            write_photo(photo_dir(services, photos.folder), name, data, PhotoCipher.of(services.settings))
        async with services.db.transaction() as session:
            row = await session.get(model, row_id)
            still_pending = row is not None and getattr(row, key) == value
            if still_pending:
                setattr(row, key, name)  # None: not an image, nothing kept
                await pending_photos.forget(session, value)
                if name is None and data is not None:
                    log.info("%s %s refused (%s)", photos.what, row_id, "too large" if too_large else "not an image")
                    await photos.tell_refused(services, session, row, provider_name, too_large)
        if name and not still_pending:  # erased or replaced meanwhile: the file goes too
            (services.settings.data_dir / photos.folder / name).unlink(missing_ok=True)
        stored += 1 if name and still_pending else 0
    return stored


async def _not_fetched(
    services: Services, photos: PhotoColumn, row_id: int, value: str, found: pending_photos.Pending,
    failure: FetchFailed,
) -> None:
    """Count the failed fetch; give the photo up when the media is gone or that was the last
    attempt (the customer and staff told)."""
    model, key = photos.column.class_, photos.column.key
    async with services.db.transaction() as session:
        row = await session.get(model, row_id)
        if row is None or getattr(row, key) != value:
            return  # erased or replaced meanwhile
        if failure.gone:
            await pending_photos.forget(session, value)
            kept = None
        else:
            kept = await pending_photos.failed(session, value, found, services.clock.now())
        setattr(row, key, kept)
        if kept is not None:
            log.warning("%s %s not fetched yet (attempt %d): %s", photos.what, row_id, found.attempts + 1, failure)
            return
        log.warning("%s %s given up after %d attempts: %s", photos.what, row_id, found.attempts + 1, failure)
        await photos.tell_not_received(services, session, row, found.provider)
