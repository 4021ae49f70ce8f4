"""A registration posted by a website form (`POST /api/registrations/public`), checked
with the same rules the chat uses (storage/contact_fields, identity, regions) and turned
into a `NewRegistration`. A mistake is a 422 naming the field; an address the official
region data does not confirm is only a warning, as the data may lag behind reality."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ispbot.ktp_encryption import PhotoCipher, write_photo
from ispbot.providers.phone import InvalidPhone, normalize_phone
from ispbot.storage.contact_fields import (
    Reason,
    validate_email,
    validate_name,
    validate_postcode,
    validate_rt_rw,
)
from ispbot.storage.identity import NikReason, validate_nik
from ispbot.storage.regions import check_address
from ispbot.storage.registrations import NewRegistration
from ispbot.webadmin.jsonapi import ApiError, text_field

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
PHOTO_MAGIC = {".jpg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",), ".webp": (b"RIFF",)}

NAME_ERRORS = {
    Reason.EMPTY: "Nama lengkap wajib diisi.",
    Reason.LENGTH: "Nama lengkap harus 2–100 karakter.",
    Reason.CHARACTERS: "Nama hanya boleh berisi huruf, spasi dan tanda ' . -",
    Reason.LETTERS: "Nama harus berisi paling sedikit dua huruf.",
}
NIK_ERRORS = {
    NikReason.LENGTH: "NIK harus 16 digit.",
    NikReason.NOT_DIGITS: "NIK hanya boleh berisi angka.",
    NikReason.PROVINCE: "Dua digit pertama NIK bukan kode provinsi.",
    NikReason.BIRTH_DATE: "Tanggal lahir dalam NIK (digit 7–12, TTBBTT; perempuan: tanggal + 40) tidak mungkin.",
    NikReason.FUTURE_BIRTH_DATE: "Tanggal lahir dalam NIK ada di masa depan.",
    NikReason.TOO_YOUNG: "Menurut tanggal lahir dalam NIK, pemiliknya belum 17 tahun: KTP baru dimiliki mulai umur 17.",
    NikReason.SERIAL: "Empat digit terakhir NIK tidak boleh 0000.",
}


@dataclass
class Intake:
    new: NewRegistration
    photo: tuple[bytes, str] | None = None  # (content, file suffix)
    warnings: list[str] = field(default_factory=list)
    shown_price: int | None = None  # the monthly price the form showed for the package, if it says


def _fail(name: str, message: str, **extra: Any) -> ApiError:
    return ApiError(422, message, {"field": name, **extra})


def checked_name(text: str, *, status: int = 422) -> str:
    """A full name as the registration chat accepts one (`validate_name`), cleaned; else
    ApiError(`status`) naming the field. One rule for the chat, the form and the OTP request,
    so no channel takes a name another would refuse."""
    name = validate_name(text)
    if not name.ok or name.value is None:
        message = NAME_ERRORS.get(name.reason, "Nama tidak valid.") if name.reason else "Nama tidak valid."
        raise ApiError(status, message, {"field": "full_name"})
    return name.value


def _contact(body: dict[str, Any]) -> tuple[str, str, str]:
    name = checked_name(text_field(body, "full_name", max_length=100, required=True) or "")
    email = validate_email(text_field(body, "email", max_length=200, required=True) or "")
    if email.reason is Reason.DOMAIN_TYPO:
        raise _fail("email", f"Email sepertinya salah ketik. Maksud Anda {email.suggestion}?", suggestion=email.suggestion)
    if not email.ok or email.value is None:
        raise _fail("email", "Alamat email tidak valid.")
    phone = normalize_whatsapp(text_field(body, "phone", max_length=30, required=True) or "")
    return name, email.value, phone


def normalize_whatsapp(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        raise _fail("phone", "Nomor WhatsApp harus nomor HP Indonesia (08… atau +628…).") from None


def _float(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(name, f"{name} harus angka.") from None
    if not low <= number <= high:
        raise _fail(name, f"{name} di luar jangkauan.")
    return number


def _installation_date(body: dict[str, Any], today: date, horizon_days: int) -> date | None:
    text = text_field(body, "preferred_installation_date", max_length=30)
    if text is None:
        return None
    try:
        chosen = date.fromisoformat(text[:10])
    except ValueError:
        raise _fail("preferred_installation_date", "Tanggal instalasi harus berformat YYYY-MM-DD.") from None
    if not today < chosen <= today + timedelta(days=horizon_days):
        raise _fail("preferred_installation_date",
                    f"Tanggal instalasi harus antara besok dan {horizon_days} hari ke depan.")
    return chosen


def _photo(body: dict[str, Any]) -> tuple[bytes, str] | None:
    value = body.get("id_card_photo")
    if not value:
        return None
    if not isinstance(value, str) or not value.startswith("data:") or ";base64," not in value:
        raise _fail("id_card_photo", "Foto KTP harus data URL (data:image/jpeg;base64,…).")
    head, _, data = value.partition(";base64,")
    suffix = PHOTO_TYPES.get(head.removeprefix("data:").lower())
    if suffix is None:
        raise _fail("id_card_photo", "Foto KTP harus JPEG, PNG atau WebP.")
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("id_card_photo", "Foto KTP tidak terbaca.") from None
    if len(content) > MAX_PHOTO_BYTES:
        raise _fail("id_card_photo", "Foto KTP maksimal 5 MB.")
    if not content.startswith(PHOTO_MAGIC[suffix]):
        raise _fail("id_card_photo", "Isi foto KTP tidak sesuai jenisnya.")
    return content, suffix


def parse(body: dict[str, Any], *, today: date, horizon_days: int) -> Intake:
    """Check a posted registration; raises ApiError(422) naming the first bad field."""
    full_name, email, phone = _contact(body)
    nik = text_field(body, "id_card_number", max_length=30)
    if nik is not None:
        checked = validate_nik(nik, today=today)
        if not checked.ok:
            raise _fail("id_card_number", NIK_ERRORS.get(checked.reason, "NIK tidak valid.") if checked.reason else "")
        nik = checked.nik
    rt, rw = text_field(body, "rt", max_length=5), text_field(body, "rw", max_length=5)
    if rt or rw:
        rt_rw = validate_rt_rw(f"{rt or ''}/{rw or ''}")
        if not rt_rw.ok or rt_rw.value is None:
            raise _fail("rt", "RT/RW harus angka, misalnya 001/002.")
        rt, rw = rt_rw.value
    postal_code = text_field(body, "postal_code", max_length=10)
    if postal_code is not None:
        checked_code = validate_postcode(postal_code)
        if not checked_code.ok:
            raise _fail("postal_code", "Kode pos harus 5 digit.")
        postal_code = checked_code.value
    address = text_field(body, "address", max_length=500, required=True) or ""
    kelurahan = text_field(body, "kelurahan", max_length=100, required=True) or ""
    kecamatan = text_field(body, "kecamatan", max_length=100, required=True) or ""
    city = text_field(body, "city", max_length=100, required=True) or ""
    package_id = body.get("package_id")
    if isinstance(package_id, str) and package_id.isdigit():
        package_id = int(package_id)
    if not isinstance(package_id, int) or isinstance(package_id, bool):
        raise _fail("package_id", "Paket wajib dipilih.")
    new = NewRegistration(
        full_name=full_name, email=email, phone=phone, address=address,
        kelurahan=kelurahan, kecamatan=kecamatan, city=city, package_id=package_id,
        rt=rt, rw=rw, postal_code=postal_code,
        latitude=_float(body, "latitude", -90, 90), longitude=_float(body, "longitude", -180, 180),
        address_notes=text_field(body, "address_notes", max_length=500),
        id_card_number=nik,
        preferred_installation_date=_installation_date(body, today, horizon_days),
        preferred_time_slot=text_field(body, "preferred_time_slot", max_length=40),
        notes=text_field(body, "notes", max_length=1000),
        whatsapp_verified=True, contact_key=phone, source="web",
        extra={key: text_field(body, key, max_length=40 if key == "referral_code" else 100)
               for key in ("referral_code", "utm_source", "utm_medium", "utm_campaign")},
    )
    intake = Intake(new=new, photo=_photo(body), shown_price=_shown_price(body))
    place = check_address(city, kecamatan, kelurahan, postal_code)
    if place.village is not None:
        new.region_code = place.village.code
    if not place.ok:
        intake.warnings.append("address_unknown")
    intake.warnings.extend(place.warnings)
    return intake


def _shown_price(body: dict[str, Any]) -> int | None:
    """`monthly_price`, optional: the price (whole Rupiah) the form showed the package at,
    so that a registration is never made at a price the customer did not see."""
    value = body.get("monthly_price")
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail("monthly_price", "Harga paket harus angka Rupiah tanpa titik, misalnya 250000.")
    return value


def save_photo(data_dir: Path, photo: tuple[bytes, str], cipher: PhotoCipher) -> str:
    """Store a KTP photo privately, encrypted; returns the file name kept on the registration."""
    name = secrets.token_hex(16) + photo[1]
    write_photo(data_dir / "ktp", name, photo[0], cipher)
    return name
