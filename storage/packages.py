"""Internet packages as the ISP's admin sets them up: read and check a draft (prices as
staff type them: "199.900", "Rp 199.900"), create with a code made from the name, update,
and the admin's list with how many registrations chose each. A package registrations
refer to is never deleted, only deactivated: the chat stops offering it, the registrations
keep it. At most MAX_ACTIVE broadband packages are active, as many as the chat's list
shows: a change that activates one counts them under a lock held to the end of its
transaction (SQLite: its one writer; PostgreSQL: an advisory lock), so two admins
activating the tenth at once cannot both pass. What the chat offers is
`registrations.packages`. Functions only flush.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import Package, Registration

BROADBAND = "broadband"
MAX_ACTIVE = 10  # the registration chat lists at most ten (a WhatsApp list's rows)
MIN_NAME, MAX_NAME = 2, 80
MAX_SPEED = 10_000
MAX_PRICE = 100_000_000
MAX_DESCRIPTION = 1000
MAX_ORDER = 1_000_000
MAX_CODE = 40
FIELDS = ("code", "name", "speed_mbps", "monthly_price", "description", "sort_order", "is_active")


class InvalidPackage(ValueError):
    """What is wrong with a draft, per field (Indonesian, for the form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class TooManyActive(InvalidPackage):
    """Activating this one would make more active packages than the chat can list."""

    def __init__(self) -> None:
        super().__init__({"is_active": (
            f"Sudah ada {MAX_ACTIVE} paket aktif, sebanyak yang dapat ditampilkan daftar paket di chat. "
            "Nonaktifkan paket lain dulu, atau simpan paket ini sebagai nonaktif.")})


_PRICE = re.compile(r"^(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,-|,00)?$", re.IGNORECASE)
_SPEED = re.compile(r"^(\d+)\s*(?:mbps|mb|m)?$", re.IGNORECASE)
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def read_price(text: str) -> int | None:
    """Whole Rupiah as staff type them: "199900", "199.900", "Rp 199.900", "Rp199.900,-";
    None for anything else ("199,9", "dua ratus ribu")."""
    found = _PRICE.match(text.strip())
    return int(found.group(1).replace(".", "")) if found else None


def code_from(name: str) -> str:
    """"Home Silver 40M" → "home-silver-40m"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_CODE].rstrip("-") or "paket"


@dataclass(frozen=True)
class PackageDraft:
    name: str
    speed_mbps: int
    monthly_price: int
    description: str
    sort_order: int | None
    is_active: bool
    code: str = ""  # empty: made from the name (new packages only; a code never changes)

    @classmethod
    def read(cls, form: dict[str, str]) -> PackageDraft:
        """Checked values from a form; raises InvalidPackage naming each bad field."""
        name = " ".join(form.get("name", "").split())
        code = form.get("code", "").strip().lower()
        speed_text = form.get("speed_mbps", "").strip()
        price_text = form.get("monthly_price", "").strip()
        description = form.get("description", "").replace("\r\n", "\n").strip()
        order = form.get("sort_order", "").strip()
        errors: dict[str, str] = {}
        if not MIN_NAME <= len(name) <= MAX_NAME:
            errors["name"] = f"Nama paket {MIN_NAME}–{MAX_NAME} karakter."
        if code and (len(code) > MAX_CODE or not _CODE.match(code)):
            errors["code"] = f"Kode paling panjang {MAX_CODE} karakter: huruf a–z, angka dan tanda - (contoh: home-silver-40)."
        speed = _SPEED.match(speed_text)
        if not speed or not 1 <= int(speed.group(1)) <= MAX_SPEED:
            errors["speed_mbps"] = f"Kecepatan berupa bilangan bulat 1–{MAX_SPEED} Mbps (contoh: 40)."
        price = read_price(price_text)
        if price is None:
            errors["monthly_price"] = "Harga per bulan berupa angka Rupiah tanpa sen (contoh: 199.900 atau 199900)."
        elif price > MAX_PRICE:
            errors["monthly_price"] = "Harga per bulan paling besar Rp 100.000.000."
        if len(description) > MAX_DESCRIPTION:
            errors["description"] = f"Deskripsi paling panjang {MAX_DESCRIPTION} karakter."
        if order and not (order.lstrip("-").isascii() and order.lstrip("-").isdigit()):
            errors["sort_order"] = "Urutan harus berupa angka."
        elif order and not -MAX_ORDER <= int(order) <= MAX_ORDER:
            errors["sort_order"] = f"Urutan antara -{MAX_ORDER} dan {MAX_ORDER}."
        if errors:
            raise InvalidPackage(errors)
        assert speed is not None and price is not None
        return cls(name, int(speed.group(1)), price, description, int(order) if order else None,
                   form.get("is_active") == "1", code)


# One key for every change that may activate a package (a 64-bit advisory lock key).
_ACTIVATING = int.from_bytes(hashlib.blake2b(b"packages:activate", digest_size=8).digest(), "big", signed=True)


async def _active_count(session: AsyncSession, *, besides: int | None = None) -> int:
    """The active broadband packages (but `besides`), counted after taking the activation
    lock: on PostgreSQL another transaction's activation may have passed this count and not
    committed yet; the lock makes it wait for it, and READ COMMITTED then counts its row.
    SQLite transactions here begin IMMEDIATE, writers one at a time already."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ACTIVATING})
    stmt = select(func.count()).select_from(Package).where(Package.is_active.is_(True), Package.category == BROADBAND)
    if besides is not None:
        stmt = stmt.where(Package.id != besides)
    return int((await session.execute(stmt)).scalar_one())


async def _free_code(session: AsyncSession, wanted: str) -> str:
    taken = set((await session.execute(select(Package.code).where(Package.code.startswith(wanted)))).scalars())
    if wanted not in taken:
        return wanted
    n = 2
    while (candidate := f"{wanted[:MAX_CODE - len(str(n)) - 1]}-{n}") in taken:
        n += 1
    return candidate


async def create(session: AsyncSession, draft: PackageDraft) -> Package:
    """A new broadband package; without an order it goes last. Raises InvalidPackage for a
    code already taken, TooManyActive."""
    if draft.is_active and await _active_count(session) >= MAX_ACTIVE:
        raise TooManyActive
    if draft.code:
        if await session.scalar(select(Package.id).where(Package.code == draft.code)) is not None:
            raise InvalidPackage({"code": f"Kode “{draft.code}” sudah dipakai paket lain."})
        code = draft.code
    else:
        code = await _free_code(session, code_from(draft.name))
    order = draft.sort_order
    if order is None:
        order = ((await session.execute(select(func.max(Package.sort_order)))).scalar_one() or 0) + 1
    package = Package(code=code, name=draft.name, category=BROADBAND, speed_mbps=draft.speed_mbps,
                      monthly_price=draft.monthly_price, description=draft.description, is_active=draft.is_active,
                      sort_order=order)
    session.add(package)
    await session.flush()
    return package


async def update(session: AsyncSession, package: Package, draft: PackageDraft) -> dict[str, tuple[object, object]]:
    """Apply the draft (not the code); returns what changed (field → (before, after)) for
    the audit row. Raises TooManyActive."""
    if draft.is_active and not package.is_active and package.category == BROADBAND \
            and await _active_count(session, besides=package.id) >= MAX_ACTIVE:
        raise TooManyActive
    changed: dict[str, tuple[object, object]] = {}
    for name in ("name", "speed_mbps", "monthly_price", "description", "sort_order", "is_active"):
        before, after = getattr(package, name), getattr(draft, name)
        if name == "sort_order" and after is None:
            continue
        if before != after:
            changed[name] = (before, after)
            setattr(package, name, after)
    await session.flush()
    return changed


@dataclass(frozen=True)
class ListedPackage:
    package: Package
    registrations: int  # how many registrations chose it, whatever their status


async def listing(session: AsyncSession) -> list[ListedPackage]:
    """Every package for the admin, active first, in the chat's order."""
    counts = (select(Registration.package_id, func.count().label("n"))
              .group_by(Registration.package_id).subquery("registration_counts"))
    rows = await session.execute(
        select(Package, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.package_id == Package.id)
        .order_by(Package.is_active.desc(), Package.category, Package.sort_order, Package.monthly_price, Package.id)
    )
    return [ListedPackage(package, int(n)) for package, n in rows.all()]


async def by_id(session: AsyncSession, package_id: int) -> Package | None:
    return await session.get(Package, package_id)
