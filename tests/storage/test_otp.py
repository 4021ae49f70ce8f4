"""OTP rules with an injected clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ispbot.clock import FakeClock
from ispbot.storage import otp
from ispbot.storage.database import Database
from ispbot.storage.models import OtpCode

KEY = "k" * 32
PHONE = "6281200000101"


async def issue(db: Database, clock: FakeClock, purpose: str = "registration") -> otp.IssuedCode | otp.Refusal:
    async with db.transaction() as s:
        return await otp.issue(s, phone=PHONE, purpose=purpose, now=clock.now(), secret_key=KEY)


async def check(db: Database, clock: FakeClock, code: str, purpose: str = "registration") -> otp.Check:
    async with db.transaction() as s:
        return await otp.verify(s, phone=PHONE, purpose=purpose, code=code, now=clock.now(), secret_key=KEY)


async def test_a_code_works_once_and_is_stored_only_as_a_hash(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    issued = await issue(db, clock)
    assert isinstance(issued, otp.IssuedCode) and len(issued.code) == 6 and issued.code.isdigit()
    async with db.sessions() as s:
        stored = (await s.execute(select(OtpCode))).scalar_one()
    assert issued.code not in stored.code_hash and len(stored.code_hash) == 64
    assert (await check(db, clock, f" {issued.code} ")).result is otp.OtpResult.OK
    assert (await check(db, clock, issued.code)).result is otp.OtpResult.NONE  # used up
    await db.dispose()


async def test_three_wrong_attempts_burn_the_code(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    issued = await issue(db, clock)
    assert isinstance(issued, otp.IssuedCode)
    wrong = "000000" if issued.code != "000000" else "111111"
    assert await check(db, clock, wrong) == otp.Check(otp.OtpResult.WRONG, attempts_left=2)
    assert await check(db, clock, wrong) == otp.Check(otp.OtpResult.WRONG, attempts_left=1)
    assert (await check(db, clock, wrong)).result is otp.OtpResult.BURNED
    assert (await check(db, clock, issued.code)).result is otp.OtpResult.BURNED  # even the right one
    await db.dispose()


async def test_codes_expire_after_five_minutes_and_portal_codes_after_ten(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    issued = await issue(db, clock)
    assert isinstance(issued, otp.IssuedCode)
    clock.advance(minutes=5)
    assert (await check(db, clock, issued.code)).result is otp.OtpResult.EXPIRED
    clock.advance(minutes=1)
    portal = await issue(db, clock, "portal")
    assert isinstance(portal, otp.IssuedCode)
    clock.advance(minutes=9, seconds=59)
    assert (await check(db, clock, portal.code, "portal")).result is otp.OtpResult.OK
    await db.dispose()


async def test_resend_waits_sixty_seconds_and_five_codes_an_hour_at_most(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    first = await issue(db, clock)
    assert isinstance(first, otp.IssuedCode)
    clock.advance(seconds=30)
    too_soon = await issue(db, clock)
    assert isinstance(too_soon, otp.Refusal) and too_soon.reason is otp.OtpRefused.TOO_SOON
    assert too_soon.retry_after == timedelta(seconds=30)
    for _ in range(4):
        clock.advance(seconds=61)
        assert isinstance(await issue(db, clock), otp.IssuedCode)
    clock.advance(seconds=61)
    limited = await issue(db, clock)
    assert isinstance(limited, otp.Refusal) and limited.reason is otp.OtpRefused.TOO_MANY
    clock.advance(hours=1)
    assert isinstance(await issue(db, clock), otp.IssuedCode)
    await db.dispose()


async def test_a_new_code_replaces_the_old_one_so_attempts_do_not_reset_by_guessing(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    old = await issue(db, clock)
    clock.advance(seconds=61)
    new = await issue(db, clock)
    assert isinstance(old, otp.IssuedCode) and isinstance(new, otp.IssuedCode)
    if old.code != new.code:
        assert (await check(db, clock, old.code)).result is otp.OtpResult.WRONG
    assert (await check(db, clock, new.code)).result is otp.OtpResult.OK
    await db.dispose()


async def test_guessing_across_resends_gets_at_most_fifteen_tries_an_hour_and_never_in(
    db_url: str, clock: FakeClock
) -> None:
    """An attacker who asks for a new code as soon as allowed and guesses every code three
    times: never in, and at most 5 codes × 3 tries = 15 guesses counted in an hour."""
    db = Database(db_url)
    counted = 0
    for _ in range(60):  # an hour, a minute at a time
        issued = await issue(db, clock)
        if isinstance(issued, otp.IssuedCode):
            wrong = f"{(int(issued.code) + 1) % 1_000_000:06d}"
            for _ in range(5):
                result = (await check(db, clock, wrong)).result
                assert result is not otp.OtpResult.OK
                counted += result is otp.OtpResult.WRONG
            assert (await check(db, clock, issued.code)).result is otp.OtpResult.BURNED  # even the right one
        clock.advance(seconds=61)
    assert counted <= 5 * 2  # two WRONG answers per code; the third try burns it
    await db.dispose()


async def test_parallel_guesses_and_requests_are_counted_one_after_another(db_url: str, clock: FakeClock) -> None:
    """30 guesses at once get the same 3 tries as 30 in a row, and 30 requests at once get
    one code (PostgreSQL's parallel transactions had each read the count before any wrote)."""
    import asyncio

    db = Database(db_url)
    issued = await issue(db, clock)
    assert isinstance(issued, otp.IssuedCode)
    wrong = f"{(int(issued.code) + 1) % 1_000_000:06d}"
    results = await asyncio.gather(*(check(db, clock, wrong) for _ in range(30)))
    assert sorted(r.result for r in results).count(otp.OtpResult.WRONG) == 2
    assert (await check(db, clock, issued.code)).result is otp.OtpResult.BURNED
    clock.advance(seconds=61)
    requests = await asyncio.gather(*(issue(db, clock) for _ in range(30)))
    assert sum(isinstance(r, otp.IssuedCode) for r in requests) == 1
    await db.dispose()


async def test_the_hourly_limit_is_per_purpose(db_url: str, clock: FakeClock) -> None:
    """Codes requested for registrations (the public API takes any number) cannot use up a
    customer's portal logins."""
    db = Database(db_url)
    for _ in range(5):
        assert isinstance(await issue(db, clock, "registration"), otp.IssuedCode)
        clock.advance(seconds=61)
    assert isinstance(await issue(db, clock, "registration"), otp.Refusal)
    assert isinstance(await issue(db, clock, "portal"), otp.IssuedCode)
    await db.dispose()


async def test_a_reply_without_digits_is_not_an_attempt(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    issued = await issue(db, clock)
    assert isinstance(issued, otp.IssuedCode)
    for words in ("kodenya belum masuk", "", "??"):
        assert (await check(db, clock, words)).result is otp.OtpResult.NOT_A_CODE
    wrong = "000000" if issued.code != "000000" else "111111"
    assert await check(db, clock, wrong) == otp.Check(otp.OtpResult.WRONG, attempts_left=2)
    assert (await check(db, clock, issued.code)).result is otp.OtpResult.OK
    await db.dispose()


async def test_a_code_still_working_is_known_until_it_is_used_burned_or_expired(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)

    async def live_until() -> object:
        async with db.sessions() as s:
            return await otp.live_until(s, phone=PHONE, purpose="portal", now=clock.now())

    assert await live_until() is None  # none sent
    issued = await issue(db, clock, "portal")
    assert isinstance(issued, otp.IssuedCode) and await live_until() == issued.expires_at
    clock.advance(minutes=10)
    assert await live_until() is None  # expired
    issued = await issue(db, clock, "portal")
    assert isinstance(issued, otp.IssuedCode)
    for _ in range(otp.MAX_ATTEMPTS):
        await check(db, clock, "000000" if issued.code != "000000" else "111111", "portal")
    assert await live_until() is None  # burned
    clock.advance(minutes=1)
    issued = await issue(db, clock, "portal")
    assert isinstance(issued, otp.IssuedCode)
    assert (await check(db, clock, issued.code, "portal")).result is otp.OtpResult.OK
    assert await live_until() is None  # used
    await db.dispose()
