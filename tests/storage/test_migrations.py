"""The migrations: one line of history, down and up again, and the schema they build is the
schema the models describe (a model change without its migration fails here)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from ispbot.storage import models  # noqa: F401  (the tables, on Base.metadata)
from ispbot.storage.base import Base
from ispbot.storage.migrations import alembic_config, upgrade


def test_the_history_is_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite:///:memory:"))
    assert len(script.get_heads()) == 1
    revisions = [r.revision for r in script.walk_revisions()]
    assert sorted(revisions) == revisions[::-1]  # 0001 → 0002 → …, numbered in order


# SQLite's reflection leaves out the two lower(email) indexes (test_email_lookups_use_an_index
# shows they are there and used).
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_down_to_nothing_and_up_again_builds_what_the_models_describe(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/m.db")
    try:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert {"registrations", "customers", "invoices", "outbox", "job_runs", "data_deletion_requests"} <= tables
    assert differences == []


EVENTS_AT_0005 = [
    (0, "ASK_NAME", "asked"), (30, "ASK_NAME", "answered"), (30, "ASK_EMAIL", "asked"),
    (50, "ASK_EMAIL", "reprompt"), (75, "ASK_EMAIL", "answered"),
    (80, "ASK_EMAIL", "asked"), (84, "ASK_EMAIL", "answered"),  # came back to it from the summary
]


async def _write_events(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for i, (seconds, state, event) in enumerate(EVENTS_AT_0005, start=1):
                await connection.execute(sa.text(
                    "INSERT INTO conversation_events (id, contact_key, flow, state, event, created_at) "
                    "VALUES (:id, 'c1', 'registration', :state, :event, :at)"
                ), {"id": i, "state": state, "event": event,
                    "at": datetime(2026, 11, 1, 8, tzinfo=UTC) + timedelta(seconds=seconds)})
    finally:
        await engine.dispose()


async def _read_events(url: str) -> list[tuple[str, float | None, int | None]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT event, seconds, retries FROM conversation_events ORDER BY id"))
            return [(event, None if secs is None else round(float(secs), 1), retries) for event, secs, retries in rows]
    finally:
        await engine.dispose()


def _upgrade_with_events(url: str) -> list[tuple[str, float | None, int | None]]:
    """From 0005 (down to it, or up from nothing) to head, with events written at 0005."""
    upgrade(url, "0005")
    command.downgrade(alembic_config(url), "0005")
    asyncio.run(_write_events(url))
    upgrade(url)
    return asyncio.run(_read_events(url))


ANSWER_SECONDS = [("asked", None, None), ("answered", 30.0, 0), ("asked", None, None), ("reprompt", None, None),
                  ("answered", 45.0, 1), ("asked", None, None), ("answered", 4.0, 0)]


def test_answers_recorded_before_0006_get_their_seconds_and_retries(tmp_path: Path) -> None:
    assert _upgrade_with_events(f"sqlite+aiosqlite:///{tmp_path}/m.db") == ANSWER_SECONDS


@pytest.mark.postgres
def test_answers_recorded_before_0006_get_their_seconds_and_retries_on_postgresql(postgres_url: str) -> None:
    assert _upgrade_with_events(postgres_url) == ANSWER_SECONDS


async def _faq_rows(url: str, rows: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """Write FAQ entries (question, answer) when given; the answers stored, by question."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for question, answer in rows or []:
                await connection.execute(sa.text(
                    "INSERT INTO faq_entries (category, question, answer, keywords, sort_order, is_active, updated_at) "
                    "VALUES ('Gangguan & Teknis', :q, :a, 'perbaikan', 1, true, :at)"
                ), {"q": question, "a": answer, "at": datetime(2026, 11, 1, 8, tzinfo=UTC)})
            found = await connection.execute(sa.text("SELECT question, answer FROM faq_entries"))
            return dict(found.all())
    finally:
        await engine.dispose()


def test_shipped_faq_answers_are_corrected_unless_the_isp_edited_them(tmp_path: Path) -> None:
    """`seed-demo` adds only missing questions, so an install seeded before 0013 kept the
    answers that sent customers to *status* for a ticket."""
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    upgrade(url, "0012")
    shipped = ("Setiap laporan kami cek dari jarak jauh lebih dulu. Jika perlu kunjungan, teknisi dijadwalkan "
               "secepatnya, umumnya dalam 1x24 jam. Ketik *status* untuk melihat progres tiket Anda.")
    edited = "Hubungi kami di 0812-0000-0800, Senin–Jumat."
    asyncio.run(_faq_rows(url, [("Berapa lama gangguan diperbaiki?", shipped),
                                ("Bagaimana cara menghubungi CS?", edited)]))
    upgrade(url)
    answers = asyncio.run(_faq_rows(url))
    assert answers["Berapa lama gangguan diperbaiki?"].endswith("Ketik *tiket* untuk melihat progres tiket Anda.")
    assert answers["Bagaimana cara menghubungi CS?"] == edited
    command.downgrade(alembic_config(url), "0012")
    assert asyncio.run(_faq_rows(url))["Berapa lama gangguan diperbaiki?"] == shipped


async def _pending_photos(url: str, insert: bool = False) -> list[dict[str, object]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            if insert:
                await connection.execute(sa.text(
                    "INSERT INTO pending_photos (id, provider, reference, created_at) "
                    "VALUES (1, 'evolution', 'https://s3.example/ktp.jpg?X-Amz-Signature=ab', :at)"
                ), {"at": datetime(2026, 12, 1, 8, tzinfo=UTC)})
            rows = await connection.execute(sa.text("SELECT * FROM pending_photos"))
            return [dict(row._mapping) for row in rows]
    finally:
        await engine.dispose()


def _photo_waiting_across_0015(url: str) -> tuple[dict[str, object], dict[str, object]]:
    """A photo waiting at 0014 (down to it, or up from nothing): its row after 0015, and
    after 0015 is taken off again; the database is left at head."""
    upgrade(url, "0014")
    command.downgrade(alembic_config(url), "0014")
    asyncio.run(_pending_photos(url, insert=True))
    upgrade(url)
    [after] = asyncio.run(_pending_photos(url))
    command.downgrade(alembic_config(url), "0014")
    [back] = asyncio.run(_pending_photos(url))
    upgrade(url)
    return after, back


def _check_photo_waiting_across_0015(url: str) -> None:
    after, back = _photo_waiting_across_0015(url)
    assert (after["provider"], after["attempts"], after["next_attempt_at"]) == ("evolution", 0, None)
    assert set(back) == {"id", "provider", "reference", "created_at"}  # still waiting, as 0014 knew it


def test_a_photo_waiting_before_0015_starts_with_no_failed_attempt(tmp_path: Path) -> None:
    _check_photo_waiting_across_0015(f"sqlite+aiosqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_a_photo_waiting_before_0015_starts_with_no_failed_attempt_on_postgresql(postgres_url: str) -> None:
    _check_photo_waiting_across_0015(postgres_url)


async def _registrations(url: str, insert: bool = False) -> list[dict[str, object]]:
    """Write a package at Rp 199.900 and a registration on it when asked; the registrations."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            if insert:
                await connection.execute(sa.text(
                    "INSERT INTO packages (id, code, name, category, speed_mbps, monthly_price, description, "
                    "is_active, sort_order) VALUES (1, 'home-silver-40', 'Home Silver 40M', 'broadband', 40, 199900, "
                    "'', true, 0)"))
                await connection.execute(sa.text(
                    "INSERT INTO registrations (id, registration_number, status, source, locale, full_name, email, "
                    "phone, whatsapp_verified, address, kelurahan, kecamatan, city, package_id, created_at, "
                    "updated_at) VALUES (1, 'REG-20261201-0001', 'pending_verification', 'whatsapp', 'id', 'Rina', "
                    "'rina@example.com', '6281200000160', true, 'Jl. Contoh 1', 'Sukagalih', 'Sukajadi', "
                    "'Kota Bandung', 1, :at, :at)"
                ), {"at": datetime(2026, 12, 1, 8, tzinfo=UTC)})
            rows = await connection.execute(sa.text("SELECT * FROM registrations"))
            return [dict(row._mapping) for row in rows]
    finally:
        await engine.dispose()


async def _register_without_a_price(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text(
                "INSERT INTO registrations (id, registration_number, status, source, locale, full_name, email, "
                "phone, whatsapp_verified, address, kelurahan, kecamatan, city, package_id, quoted_monthly_price, "
                "created_at, updated_at) VALUES (2, 'REG-20261201-0002', 'pending_verification', 'whatsapp', 'id', "
                "'Budi', 'budi@example.com', '6281200000161', true, 'Jl. Contoh 2', 'Sukagalih', 'Sukajadi', "
                "'Kota Bandung', 1, NULL, :at, :at)"
            ), {"at": datetime(2026, 12, 1, 9, tzinfo=UTC)})
    finally:
        await engine.dispose()


def _check_registration_across_0016(url: str) -> None:
    """A registration made at 0015 (down to it, or up from nothing) keeps its package's
    price of the upgrade as its quoted price, which is required from then on; taken off
    again, the registration is as 0015 knew it. The database is left at head."""
    upgrade(url, "0015")
    command.downgrade(alembic_config(url), "0015")
    [before] = asyncio.run(_registrations(url, insert=True))
    upgrade(url)
    [after] = asyncio.run(_registrations(url))
    assert after["quoted_monthly_price"] == 199900
    with pytest.raises(sa.exc.IntegrityError):
        asyncio.run(_register_without_a_price(url))
    command.downgrade(alembic_config(url), "0015")
    [back] = asyncio.run(_registrations(url))
    assert back == before
    upgrade(url)


def test_a_registration_made_before_0016_keeps_its_package_price_as_quoted(tmp_path: Path) -> None:
    _check_registration_across_0016(f"sqlite+aiosqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_a_registration_made_before_0016_keeps_its_package_price_as_quoted_on_postgresql(postgres_url: str) -> None:
    _check_registration_across_0016(postgres_url)
