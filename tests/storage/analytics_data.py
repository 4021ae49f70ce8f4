"""A known history for the analytics tests: registrations made and moved along their
lifecycle at chosen moments (the injected clock is set before each step), and the
conversation events of five customers going through the registration chat.

The clock ends at 2026-11-21 03:00 UTC = 10:00 WIB, Saturday. Local times are WIB (+7).

| reg | created (WIB)         | package  | region          | what happened                         |
| A   | Fri 20 Nov 09:00      | silver   | 32.73.07.1004   | verified +2 h, survey, approved +24 h, customer +48 h |
| B   | Fri 20 Nov 09:30      | silver   | 32.73.07.1001   | verified +4 h, approved +30 h         |
| C   | Thu 19 Nov 03:00      | gold     | 32.73.02 (kec.) | rejected +6 h "Lokasi di luar jangkauan" |
| D   | Sun 15 Nov 17:00      | gold     | none            | pending (older than 24 h)             |
| E   | Sat 21 Nov 08:00      | silver   | 32.77 (city)    | pending (2 h old)                     |
| F   | Tue 10 Nov 12:00      | platinum | 32.73.07.1004   | verified +10 h, rejected +20 h "Lokasi di luar jangkauan " |
| G   | Thu  1 Oct 10:00      | silver   | 32.73.07.1004   | pending; outside the 30-day window    |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ispbot.clock import FakeClock
from ispbot.storage import registrations
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.lifecycle import Action
from ispbot.storage.models import Conversation, ConversationEvent, Package

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
WIB = ZoneInfo("Asia/Jakarta")
H = timedelta(hours=1)


def wib(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB).astimezone(UTC)


# name: (created, package code, region code, [(hours after creation, action, extra)])
REGISTRATIONS: dict[str, tuple[datetime, str, str | None, list[tuple[float, Action, dict[str, Any]]]]] = {
    "A": (wib(20, 9), "home-silver-40", "32.73.07.1004", [
        (2, Action.VERIFY, {}), (3, Action.SCHEDULE_SURVEY, {"survey_date": wib(21, 9)}),
        (20, Action.COMPLETE_SURVEY, {}), (24, Action.APPROVE, {}), (48, Action.CREATE_CUSTOMER, {})]),
    "B": (wib(20, 9, 30), "home-silver-40", "32.73.07.1001", [(4, Action.VERIFY, {}), (30, Action.APPROVE, {})]),
    "C": (wib(19, 3), "home-gold-75", "32.73.02", [(6, Action.REJECT, {"reason": "Lokasi di luar jangkauan"})]),
    "D": (wib(15, 17), "home-gold-75", None, []),
    "E": (wib(21, 8), "home-silver-40", "32.77", []),
    "F": (wib(10, 12), "home-platinum-100", "32.73.07.1004", [
        (10, Action.VERIFY, {}), (20, Action.REJECT, {"reason": "Lokasi di luar jangkauan "})]),
    "G": (wib(1, 10, month=10), "home-silver-40", "32.73.07.1004", []),
}


async def seed_registrations(db: Database, clock: FakeClock, tz: ZoneInfo = WIB) -> dict[str, int]:
    """The registrations above; returns their ids by letter. Leaves the clock at NOW."""
    async with db.transaction() as session:
        await seed_packages(session)
        packages = {code: (pid, price) for pid, code, price
                    in await session.execute(select(Package.id, Package.code, Package.monthly_price))}
    ids: dict[str, int] = {}
    steps: list[tuple[datetime, str, Action, dict[str, Any]]] = []
    for n, (name, (created, package, region, actions)) in enumerate(REGISTRATIONS.items()):
        clock.set(created)
        async with db.transaction() as session:
            new = registrations.NewRegistration(
                full_name=f"Pelanggan {name}", email=f"{name.lower()}@example.com", phone=f"62812000001{n:02d}",
                address="Jl. Contoh 1", kelurahan="Sukagalih", kecamatan="Sukajadi", city="Kota Bandung",
                package_id=packages[package][0], region_code=region, contact_key=f"62812000001{n:02d}",
            )
            ids[name] = (await registrations.create(session, new, quoted_monthly_price=packages[package][1],
                                                    now=clock.now(), timezone=tz)).id
        steps += [(created + after * H, name, action, extra) for after, action, extra in actions]
    for at, name, action, extra in sorted(steps, key=lambda s: s[0]):
        clock.set(at)
        async with db.transaction() as session:
            found = await registrations.by_id(session, ids[name], for_update=True)
            assert found is not None
            await registrations.apply(session, found, action, now=clock.now(), **extra)
    clock.set(NOW)
    return ids


# contact: [(seconds after its start, state, event)]; started N days before NOW
CHATS: dict[str, tuple[int, list[tuple[int, str, str]], tuple[str, str]]] = {
    "c1": (2, [(0, "ASK_NAME", "asked"), (30, "ASK_NAME", "answered"), (30, "ASK_EMAIL", "asked"),
               (60, "ASK_EMAIL", "reprompt"), (90, "ASK_EMAIL", "answered"), (90, "ASK_PHONE", "asked"),
               (100, "ASK_PHONE", "answered"), (100, "CONFIRM", "asked"), (160, "CONFIRM", "answered")],
           ("menu", "MENU")),
    "c2": (3, [(0, "ASK_NAME", "asked"), (10, "ASK_NAME", "answered"), (10, "ASK_EMAIL", "asked"),
               (20, "ASK_EMAIL", "reprompt"), (30, "ASK_EMAIL", "reprompt")], ("menu", "MENU")),  # typed batal
    "c3": (1, [(0, "ASK_NAME", "asked"), (50, "ASK_NAME", "answered"), (50, "ASK_EMAIL", "asked"),
               (60, "ASK_EMAIL", "answered"), (60, "ASK_PHONE", "asked"), (70, "ASK_PHONE", "answered"),
               (70, "ASK_OTHER_PHONE", "asked"), (80, "ASK_OTHER_PHONE", "answered"), (80, "AWAIT_OTP", "asked"),
               (100, "AWAIT_OTP", "reprompt"), (140, "AWAIT_OTP", "answered"), (140, "CONFIRM", "asked")],
           ("registration", "CONFIRM")),  # still reading the summary
    "c4": (5, [(0, "ASK_NAME", "asked"), (73 * 3600, "ASK_NAME", "abandoned")], ("menu", "MENU")),
    "c5": (4, [(0, "ASK_NAME", "asked"), (20, "ASK_NAME", "answered"), (20, "ASK_EMAIL", "asked"),
               (40, "ASK_EMAIL", "answered"), (40, "ASK_PHONE", "asked"), (45, "ASK_PHONE", "answered"),
               (45, "ASK_OTHER_PHONE", "asked"), (55, "ASK_OTHER_PHONE", "answered"), (55, "AWAIT_OTP", "asked"),
               (85, "AWAIT_OTP", "answered"), (85, "CONFIRM", "asked"), (95, "CONFIRM", "answered")],
           ("menu", "MENU")),
    "c6": (45, [(0, "ASK_NAME", "asked")], ("menu", "MENU")),  # before the 30-day window
}


async def seed_chats(db: Database) -> None:
    async with db.transaction() as session:
        for contact, (days_ago, events, (flow, state)) in CHATS.items():
            start = NOW - timedelta(days=days_ago)
            session.add(Conversation(contact_key=contact, phone=None, provider="sandbox", flow=flow, state=state,
                                     data={}, created_at=start, updated_at=start))
            asked_at: dict[str, int] = {}
            refused: dict[str, int] = {}
            for seconds, question, event in events:
                if event == "asked":
                    asked_at[question], refused[question] = seconds, 0
                elif event == "reprompt":
                    refused[question] += 1
                answer = event == "answered"  # carries what the engine writes beside it
                session.add(ConversationEvent(contact_key=contact, flow="registration", state=question, event=event,
                                              created_at=start + timedelta(seconds=seconds),
                                              seconds=seconds - asked_at[question] if answer else None,
                                              retries=refused[question] if answer else None))
            await session.flush()  # ids in the order the engine writes them
        session.add(ConversationEvent(contact_key="c1", flow="tracking", state="ASK_NUMBER", event="asked",
                                      created_at=NOW - H))
