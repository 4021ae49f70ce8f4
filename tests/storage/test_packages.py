"""The ten-active limit of storage/packages under parallel admins, on SQLite and PostgreSQL:
each activation counts the active packages only after the one before it has committed."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from ispbot.storage import packages
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import Package
from ispbot.storage.packages import MAX_ACTIVE, PackageDraft, TooManyActive


def draft(name: str, *, active: bool = True) -> PackageDraft:
    return PackageDraft.read({"name": name, "speed_mbps": "100", "monthly_price": "299.000",
                              "is_active": "1" if active else ""})


async def active_count(db: Database) -> int:
    async with db.sessions() as session:
        return int((await session.execute(
            select(func.count()).select_from(Package).where(Package.is_active.is_(True)))).scalar_one())


async def with_nine_active(db: Database) -> None:
    async with db.transaction() as session:
        seeded = await seed_packages(session)
        for n in range(MAX_ACTIVE - 1 - seeded):
            await packages.create(session, draft(f"Paket Ekstra {n}"))
    assert await active_count(db) == MAX_ACTIVE - 1


async def test_admins_adding_active_packages_at_once_get_one_tenth_between_them(db_url: str) -> None:
    db = Database(db_url)
    await with_nine_active(db)

    async def add(name: str) -> Package | TooManyActive:
        try:
            async with db.transaction() as session:
                return await packages.create(session, draft(name))
        except TooManyActive as refused:
            return refused

    results = await asyncio.gather(*(add(f"Paket Serentak {n}") for n in range(6)))
    assert sum(isinstance(r, Package) for r in results) == 1
    assert sum(isinstance(r, TooManyActive) for r in results) == 5
    assert await active_count(db) == MAX_ACTIVE
    await db.dispose()


async def test_admins_activating_packages_at_once_get_one_tenth_between_them(db_url: str) -> None:
    db = Database(db_url)
    await with_nine_active(db)
    async with db.transaction() as session:
        waiting = [(await packages.create(session, draft(f"Paket Cadangan {n}", active=False))).id for n in range(6)]

    async def activate(package_id: int) -> bool:
        try:
            async with db.transaction() as session:
                package = await packages.by_id(session, package_id)
                assert package is not None
                await packages.update(session, package, PackageDraft.read({
                    "name": package.name, "speed_mbps": str(package.speed_mbps),
                    "monthly_price": str(package.monthly_price), "is_active": "1"}))
        except TooManyActive:
            return False
        return True

    assert sorted(await asyncio.gather(*(activate(i) for i in waiting))) == [False] * 5 + [True]
    assert await active_count(db) == MAX_ACTIVE
    await db.dispose()
