"""A number's last digits, as a customer reads them out on the phone, are found through
an index on SQLite and PostgreSQL: a WhatsApp number's ending by the index of its last
four digits, a registration's serial ("0061") as the registration numbers of the last
90 days. The ending used to read every row (360 ms at 100,000 registrations), and the
serial found nothing at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ispbot.storage import billing_queries
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.demo_registrations import seed_registrations
from ispbot.storage.models import Customer, Registration
from ispbot.storage.registration_queries import search_condition
from ispbot.storage.search_terms import recent_registration_numbers, registration_serial

TODAY = date(2026, 12, 3)


def test_a_serial_is_read_as_a_registration_numbers_last_four_digits() -> None:
    assert registration_serial("0061") == registration_serial(" 061 ") == "0061"
    assert registration_serial("61") is None and registration_serial("00061") is None
    assert registration_serial("0-61") is None
    numbers = recent_registration_numbers("0061", TODAY)
    assert numbers[0] == "REG-20261203-0061" and numbers[-1] == "REG-20260905-0061" and len(numbers) == 90


async def plan(db: Database, statement: object) -> str:
    async with db.transaction() as s:
        postgres = s.bind.dialect.name == "postgresql"
        if postgres:  # a small table: ask whether it *can* use an index
            await s.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = statement.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
        rows = await s.execute(text(f"{'EXPLAIN' if postgres else 'EXPLAIN QUERY PLAN'} {compiled}"))
        return "\n".join(str(row[-1]) for row in rows)


async def test_last_digits_are_found_through_indexes(db_url: str) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        await seed_packages(s)
        await seed_registrations(s, 2_000, datetime(2026, 12, 3, 5, tzinfo=UTC), ZoneInfo("Asia/Jakarta"))
    async with db.transaction() as s:
        await s.execute(text("ANALYZE"))
    try:
        def counting(condition: object) -> object:
            return select(func.count()).select_from(Registration).where(condition)  # type: ignore[arg-type]

        by_serial = await plan(db, counting(search_condition("061", TODAY)))
        by_both = await plan(db, counting(search_condition("0061", TODAY)))
        by_phone = await plan(db, counting(search_condition("00 0061", TODAY)))
        customers = await plan(db, select(func.count()).select_from(Customer)
                               .where(billing_queries.customer_condition("0061")))  # type: ignore[arg-type]
        async with db.sessions() as s:
            found = list((await s.execute(select(Registration.registration_number, Registration.phone)
                                          .where(search_condition("0061", TODAY)))).all())  # type: ignore[arg-type]
    finally:
        await db.dispose()
    assert "registration_number" in by_serial and "SCAN registrations" not in by_serial
    assert "ix_registrations_phone_last4" in by_both and "ix_registrations_phone_last4" in by_phone
    if "sqlite" in db_url:  # PostgreSQL plans by cost: with a handful of customers any index will do
        assert "ix_customers_phone_last4" in customers
    serials = sorted(number for number, _ in found if number.endswith("-0061"))
    assert serials[0] == "REG-20261125-0061" and serials[-1] == "REG-20261203-0061" and len(serials) == 9  # each day
    assert "6281900000061" in {phone for _, phone in found}  # and the phone ending in it
