"""Customers' photos shown to staff (a KTP, a ticket's photo): read from the private data
directory and decrypted for the one request, never cached. The views check who may see
them and write the audit row."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from aiohttp import web

from ispbot.chat_photos import stored_file
from ispbot.ktp_encryption import PhotoCipher, read_photo
from ispbot.services import Services
from ispbot.storage import pending_photos

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def photo_path(data_dir: Path, folder: str, name: str | None) -> Path | None:
    """The private file of a stored photo; None for a missing, pending or unsafe name."""
    path = stored_file(data_dir, folder, name)
    return path if path is not None and path.suffix.lower() in CONTENT_TYPES and path.is_file() else None


def photo_shown(data_dir: Path, folder: str, name: str | None) -> Literal["stored", "pending", "missing"] | None:
    """What a page shows for a photo column: the image ("stored"), "being fetched" while the
    photo job has yet to fetch it from the gateway ("pending": its route would answer 404, a
    broken image), a note when its file is gone ("missing"), nothing without one."""
    if not name:
        return None
    if pending_photos.is_pending(name):
        return "pending"
    return "stored" if photo_path(data_dir, folder, name) is not None else "missing"


async def photo_response(services: Services, path: Path) -> web.Response:
    return web.Response(
        body=await asyncio.to_thread(read_photo, path, PhotoCipher.of(services.settings)),
        content_type=CONTENT_TYPES[path.suffix.lower()],
        headers={"Cache-Control": "no-store, private", "Content-Disposition": "inline"},
    )
