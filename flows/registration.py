"""Registration by chat: the seed's 4-step web wizard, one question at a time.

    ASK_NAME → ASK_EMAIL → ASK_PHONE ─own→ ASK_NIK
                                     └other→ ASK_OTHER_PHONE → AWAIT_OTP → ASK_NIK
    ASK_NIK → ASK_KTP_PHOTO → ASK_STREET → ASK_RT_RW → ASK_CITY → ASK_DISTRICT → ASK_VILLAGE
    → ASK_POSTCODE → ASK_LANDMARK → ASK_LOCATION → ASK_PACKAGE → ASK_DATE → ASK_SLOT
    → ASK_NOTES → CONFIRM ─confirmed→ (registration REG-YYYYMMDD-NNNN, back to the menu)
                         └edit a field → that question → CONFIRM
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ispbot.flows import address_questions as address
from ispbot.flows import email_answer, otp_step, package_words
from ispbot.flows.answers import (
    HONORIFICS,
    is_earliest,
    is_skip,
    is_yes,
    parse_date,
    short_answer,
    words_of,
)
from ispbot.flows.choices import StaleChoice, choice, number_said, pick, value_of
from ispbot.flows.engine import EDIT_LIST, Answer, EditGroup, Flow, Next, Question, Retry, Stay
from ispbot.flows.name_answer import not_a_name
from ispbot.flows.registration_draft import answers, forget, remember
from ispbot.flows.status_words import status_words
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind
from ispbot.providers.phone import InvalidPhone, masked, normalize_phone
from ispbot.storage import registrations
from ispbot.storage.contact_fields import validate_name
from ispbot.storage.identity import mask_nik, validate_nik
from ispbot.storage.models import Package

STATES = [
    "ASK_NAME", "ASK_EMAIL", "ASK_PHONE", "ASK_OTHER_PHONE", "AWAIT_OTP", "ASK_NIK", "ASK_KTP_PHOTO",
    "ASK_STREET", "ASK_RT_RW", "ASK_CITY", "ASK_DISTRICT", "ASK_VILLAGE", "ASK_POSTCODE",
    "ASK_LANDMARK", "ASK_LOCATION", "ASK_PACKAGE", "ASK_DATE", "ASK_SLOT", "ASK_NOTES", "CONFIRM",
]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "name_given", "source": "ASK_NAME", "dest": "ASK_EMAIL"},
    {"trigger": "email_given", "source": "ASK_EMAIL", "dest": "ASK_PHONE"},
    {"trigger": "own_number_chosen", "source": "ASK_PHONE", "dest": "ASK_NIK"},
    {"trigger": "other_number_chosen", "source": "ASK_PHONE", "dest": "ASK_OTHER_PHONE"},
    {"trigger": "other_number_given", "source": "ASK_OTHER_PHONE", "dest": "AWAIT_OTP"},
    {"trigger": "otp_confirmed", "source": "AWAIT_OTP", "dest": "ASK_NIK"},
    {"trigger": "nik_given", "source": "ASK_NIK", "dest": "ASK_KTP_PHOTO"},
    {"trigger": "photo_given", "source": "ASK_KTP_PHOTO", "dest": "ASK_STREET"},
    *address.TRANSITIONS,
    {"trigger": "postcode_given", "source": "ASK_POSTCODE", "dest": "ASK_LANDMARK"},
    {"trigger": "landmark_given", "source": "ASK_LANDMARK", "dest": "ASK_LOCATION"},
    {"trigger": "location_given", "source": "ASK_LOCATION", "dest": "ASK_PACKAGE"},
    {"trigger": "package_chosen", "source": "ASK_PACKAGE", "dest": "ASK_DATE"},
    {"trigger": "date_given", "source": "ASK_DATE", "dest": "ASK_SLOT"},
    {"trigger": "slot_chosen", "source": "ASK_SLOT", "dest": "ASK_NOTES"},
    {"trigger": "notes_given", "source": "ASK_NOTES", "dest": "CONFIRM"},
]

EDIT_GROUPS = {
    "name": EditGroup("Nama", "Name", "ASK_NAME", "ASK_NAME"),
    "email": EditGroup("Email", "Email", "ASK_EMAIL", "ASK_EMAIL"),
    "phone": EditGroup("Nomor WhatsApp", "WhatsApp number", "ASK_PHONE", "AWAIT_OTP"),
    "ktp": EditGroup("KTP", "ID card (KTP)", "ASK_NIK", "ASK_KTP_PHOTO"),
    "street": EditGroup("Alamat & RT/RW", "Street & RT/RW", "ASK_STREET", "ASK_RT_RW"),
    "region": EditGroup("Kota, kecamatan, kelurahan", "City, district, village", "ASK_CITY", "ASK_POSTCODE"),
    "landmark": EditGroup("Patokan & lokasi", "Landmark & location", "ASK_LANDMARK", "ASK_LOCATION"),
    "package": EditGroup("Paket", "Package", "ASK_PACKAGE", "ASK_PACKAGE"),
    "schedule": EditGroup("Jadwal instalasi", "Installation schedule", "ASK_DATE", "ASK_SLOT"),
    "notes": EditGroup("Catatan", "Notes", "ASK_NOTES", "ASK_NOTES"),
}

# Indonesian times have a dot, English ones a colon (messages.Messages.datetime does the same).
SLOTS = {"pagi": ("Pagi (08.00–12.00)", "Morning (08:00–12:00)"),
         "siang": ("Siang (12.00–15.00)", "Midday (12:00–15:00)"),
         "sore": ("Sore (15.00–18.00)", "Afternoon (15:00–18:00)")}


def _picked(turn: Turn, state: str, offered: list[Any]) -> Any:
    """The choice among `offered`, None if the reply is something else; raises StaleChoice."""
    return pick(turn.message, offered, prefix=state)


async def menu_word(turn: Turn) -> bool:
    """"daftar" again (sent twice), "cek tagihan", "status" typed at a question are no answer
    to it: "daftar" asks the question again; another menu word is done, as from any other
    flow, and the answers so far are kept for "daftar" to resume. A place that happens to
    be called like a menu word (the kelurahan Pasang) and the summary's own words are
    answers. "ubah data" is the summary's, before it too (see `_change_asked`)."""
    from ispbot.flows import menu

    if await _change_asked(turn):
        return True
    if turn.message.kind is not InboundKind.TEXT:
        return False
    wanted = menu.intent(turn.text)
    if wanted is None or address.names_a_place(turn) or _summary_word(turn):
        return False
    if wanted == "register":
        await REGISTRATION.reask(turn)
        return True
    turn.say("reg_kept")
    return await menu.leave_for_menu_word(turn, REGISTRATION, "register", keep_draft=True)


# "ubah data" is the summary's button, so customers learn it: before the summary it means
# an earlier answer, not the profile (the menu's keyword), whose customer-id question took
# every later answer for an id.
_CHANGE_WORDS = {"ubah", "ubah data", "ganti", "ganti data", "edit", "edit data", "ubah jawaban", "ganti jawaban",
                 "change", "change data", "change answer"}
CHANGES_SHOWN = "_changes_shown"  # in the draft: the question at which the list of answers was shown


async def _change_asked(turn: Turn) -> bool:
    """Before the summary: "ubah data" shows the answers given so far, to pick one to
    change, after which the chat comes back to this question; the pick from that list.
    False for anything else."""
    state = turn.conversation.state
    if state == "CONFIRM":
        return False
    shown = answers(turn).get(CHANGES_SHOWN)
    if shown:
        forget(turn, CHANGES_SHOWN)
    if shown == state and (picked := _picked(turn, state, _answered_choices(turn, state))) is not None:
        await REGISTRATION.edit(turn, value_of(picked).split(":", 1)[1], back_to=state)
        return True
    if turn.message.kind is not InboundKind.TEXT or short_answer(turn.text) not in _CHANGE_WORDS:
        return False
    if address.names_a_place(turn):
        return False
    offered, editing = _answered_choices(turn, state), REGISTRATION.editing(turn)
    if not offered or editing:  # nothing answered yet; or this is a change already
        turn.say("reg_change_not_yet", editing=editing)
        await REGISTRATION.reask(turn)
        return True
    remember(turn, **{CHANGES_SHOWN: state})
    turn.ask("reg_edit_which", offered, midway=True, button="Ubah" if turn.locale != "en" else "Change")
    return True


def _answered_choices(turn: Turn, state: str) -> list[Any]:
    """The summary's fields already answered, as choices of the question at `state`."""
    answered = set(REGISTRATION.draft(turn).get("_history") or ())
    return [
        choice(state, f"edit:{key}", group.title_en if turn.locale == "en" else group.title_id)
        for key, group in EDIT_GROUPS.items()
        if group.first in answered and STATES.index(group.first) < STATES.index(state)
    ]


def _summary_word(turn: Turn) -> bool:
    """"ubah data" at the summary is its button, not the profile's keyword."""
    if turn.conversation.state != "CONFIRM":
        return False
    if _speed_at_summary(turn) is not None:  # "ganti paket jadi 75 mbps"
        return True
    return _picked(turn, "CONFIRM", _confirm_choices(turn) + _edit_choices(turn)) is not None


def _speed_at_summary(turn: Turn) -> int | None:
    """The package speed typed at the summary ("ganti paket jadi 75 mbps", "paket 100")."""
    if turn.message.kind is not InboundKind.TEXT:
        return None
    return package_words.said_speed(turn.text, after_package_word=True)


# -- personal data -----------------------------------------------------------------------------


async def ask_name(turn: Turn) -> None:
    turn.say("reg_ask_name")


_SAID_BEFORE_NAME = re.compile(r"^(?:nama\s+(?:saya|sy|aku|ku)|namaku|nama\s*:|saya|sy|aku)\s+", re.IGNORECASE)


def _name_as_said(text: str) -> str:
    """"nama saya budi santoso kak" → "budi santoso": the words around a name said in chat."""
    words = _SAID_BEFORE_NAME.sub("", text.strip()).split()
    while len(words) > 1 and words[-1].lower().strip(".,!🙏") in HONORIFICS:
        words.pop()
    return " ".join(words)


async def read_name(turn: Turn) -> Answer:
    if is_skip(turn.text):  # "lewati" was saved as the name
        return Retry("cannot_skip", {"typed_answer": True})
    said = not_a_name(turn.text)
    if said is not None:  # "saya mau daftar", "ok kak", "berapa harganya?" were taken as names
        return Retry("reg_not_a_name", {"said": said}, ask_again=False)
    checked = validate_name(_name_as_said(turn.text))
    if not checked.ok:
        return Retry("reg_bad_name")
    remember(turn, full_name=checked.value)
    return Next("name_given")


async def ask_email(turn: Turn) -> None:
    turn.say("reg_ask_email", name=answers(turn).get("full_name", ""))


NO_EMAIL = "_no_email"  # in the draft: how often the customer said they have no email


async def read_email(turn: Turn) -> Answer:
    if email_answer.has_none(turn):
        # The seed's wizard requires an email (invoices and the confirmation go there):
        # said why and how to get one; said again, CS is offered (the draft is kept).
        times = int(answers(turn).get(NO_EMAIL) or 0) + 1
        remember(turn, **{NO_EMAIL: times})
        return Retry("reg_no_email", {"again": times > 1}, ask_again=False)
    email = email_answer.read_email(turn)
    if isinstance(email, Retry):
        return email
    duplicate = await registrations.find_duplicate(turn.session, email=email, phone=turn.contact.phone)
    if duplicate is not None:
        return await _already_registered(turn, duplicate)
    forget(turn, NO_EMAIL)
    remember(turn, email=email)
    return Next("email_given")


async def _already_registered(turn: Turn, duplicate: registrations.Duplicate) -> Answer:
    """This chat's own registration (or account): told which, and the chat ends. Someone
    else's: nothing about it is told, and the question is asked again, answers kept."""
    from ispbot.flows import menu

    if not duplicate.belongs_to(turn.contact.key, turn.contact.phone):
        return Retry("reg_in_use", {"matched_on": duplicate.matched_on})
    turn.say("reg_duplicate", duplicate=duplicate, status=status_words(turn.locale, duplicate.status))
    await menu.finish_flow(turn, "registration")
    return Stay()


def _phone_choices(turn: Turn) -> list[Any]:
    own = masked(turn.contact.phone or "")
    if turn.locale == "en":
        return [choice("ASK_PHONE", "own", f"This number ({own})"), choice("ASK_PHONE", "other", "Another number")]
    return [choice("ASK_PHONE", "own", f"Nomor ini ({own})"), choice("ASK_PHONE", "other", "Nomor lain")]


async def ask_phone(turn: Turn) -> None:
    turn.ask("reg_ask_phone", _phone_choices(turn))


async def read_phone(turn: Turn) -> Answer:
    try:
        picked = _picked(turn, "ASK_PHONE", _phone_choices(turn))
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None:
        return Retry("choose_one", unreadable=True)
    if value_of(picked) == "own":
        remember(turn, phone=turn.contact.phone, whatsapp_verified=True)
        return Next("own_number_chosen")
    return Next("other_number_chosen")


async def ask_other_phone(turn: Turn) -> None:
    turn.say("reg_ask_other_phone")


async def read_other_phone(turn: Turn) -> Answer:
    try:
        phone = normalize_phone(turn.text)
    except InvalidPhone:
        return Retry("reg_bad_phone", {"typed": turn.text[:30]})
    duplicate = await registrations.find_duplicate(turn.session, email=None, phone=phone)
    if duplicate is not None:
        return await _already_registered(turn, duplicate)
    remember(turn, phone=phone, whatsapp_verified=False)
    # The same number again while its code still works: told to type that code, at its question.
    return await _send_code(turn, phone, then=Next("other_number_given"), earlier=Next("other_number_given", ask=False))


async def _send_code(turn: Turn, phone: str, *, then: Answer, earlier: Answer | None = None) -> Answer:
    """The code goes to a number the chat has not proved is the customer's, so the message
    carries nothing they typed (not even their name): the ISP's number never relays a
    stranger's words to it."""
    return await otp_step.send_code(turn, phone=phone, purpose="registration", template="otp", then=then,
                                    earlier=earlier)


async def ask_otp(turn: Turn) -> None:
    turn.say("reg_ask_otp", phone=masked(answers(turn).get("phone", "")))


async def read_otp(turn: Turn) -> Answer:
    phone = answers(turn).get("phone", "")
    if otp_step.wants_resend(turn):
        sent = await _send_code(turn, phone, then=Retry("reg_otp_resent", {"phone": masked(phone)}, ask_again=False))
        # Refused ("wait 56 s"): not followed by "a code was sent to …", which it was not.
        return replace(sent, ask_again=False) if isinstance(sent, Retry) else sent
    refused = await otp_step.check_code(turn, phone=phone, purpose="registration")
    if refused is not None:
        return refused
    remember(turn, whatsapp_verified=True)
    return Next("otp_confirmed")


async def ask_nik(turn: Turn) -> None:
    turn.say("reg_ask_nik")


async def read_nik(turn: Turn) -> Answer:
    text = turn.text
    if is_skip(text):
        remember(turn, nik=None)
        return Next("nik_given")
    today = turn.now.astimezone(turn.settings.tz).date()
    checked = validate_nik(text, today=today)
    if not checked.ok or checked.reason is not None:
        return Retry("reg_bad_nik", {"reason": checked.reason.value if checked.reason else "length"})
    remember(turn, nik=checked.nik)
    return Next("nik_given")


ALLOWED_PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


async def ask_ktp_photo(turn: Turn) -> None:
    turn.say("reg_ask_ktp_photo")


async def read_ktp_photo(turn: Turn) -> Answer:
    media = turn.message.media
    if turn.message.kind is InboundKind.IMAGE and media is not None:
        if media.mime_type and media.mime_type.split(";")[0] not in ALLOWED_PHOTO_TYPES:
            return Retry("reg_bad_ktp_photo")
        remember(turn, ktp_photo={"provider": turn.message.provider, "url": media.url, "media_id": media.media_id,
                                  "mime_type": media.mime_type})
        return Next("photo_given")
    if is_skip(turn.text):
        remember(turn, ktp_photo=None)
        return Next("photo_given")
    return Retry("reg_bad_ktp_photo")


# -- package and schedule ---------------------------------------------------------------------


def _package_line(turn: Turn, package: Package) -> str:
    """"40 Mbps · Rp 199.900/bulan": a package as the list and the summary show it."""
    from ispbot.messages import rupiah

    per_month = "/month" if turn.locale == "en" else "/bulan"
    return f"{package.speed_mbps} Mbps · {rupiah(package.monthly_price)}{per_month}"


async def _package_choices(turn: Turn) -> list[Any]:
    return [
        choice("ASK_PACKAGE", str(p.id), p.name, _package_line(turn, p))
        for p in await registrations.packages(turn.session)
    ][:10]


NO_PACKAGES_SHOWN = "_no_packages_shown"  # in the draft: told no package could be chosen
# In the draft: the packages of one speed to ask between ("paket 20 mbps", two of 20 Mbps),
# then the ones shown, which a row number typed next picks from.
SAME_SPEED, SAME_SPEED_SHOWN = "_same_speed", "_same_speed_shown"


async def ask_package(turn: Turn) -> None:
    """The active packages; with none (the ISP has not set any up, or deactivated them
    all) no empty list: the customer is told so and offered CS, the draft kept. After a
    speed that several packages have: only those."""
    offered = await _package_choices(turn)
    if not offered:
        remember(turn, **{NO_PACKAGES_SHOWN: True})
        turn.say("reg_no_packages")
        return
    forget(turn, NO_PACKAGES_SHOWN)
    wanted = answers(turn).get(SAME_SPEED) or []
    _forget_same_speed(turn, SAME_SPEED)
    same_speed = [c for c in offered if value_of(c) in wanted]
    button = "Paket" if turn.locale != "en" else "Packages"
    if len(same_speed) > 1:
        remember(turn, **{SAME_SPEED_SHOWN: [value_of(c) for c in same_speed]})
        speed = (same_speed[0].description or "").split(" Mbps")[0]
        turn.ask("reg_package_same_speed", same_speed, button=button, speed=speed, count=len(same_speed))
        return
    forget(turn, SAME_SPEED_SHOWN)
    turn.ask("reg_ask_package", offered, button=button)


def _forget_same_speed(turn: Turn, key: str) -> None:
    """Asking bookkeeping, not an answer: not kept either with the answers as they were
    before a change from the summary (which "batal" brings back)."""
    forget(turn, key)
    before = answers(turn).get("_before_edit")
    if isinstance(before, dict) and key in before:
        remember(turn, _before_edit={k: v for k, v in before.items() if k != key})


async def read_package(turn: Turn) -> Answer:
    offered = await _package_choices(turn)
    if not offered:
        return Retry("reg_no_packages", ask_again=False)
    if answers(turn).get(NO_PACKAGES_SHOWN):  # packages were added since: the list first, nothing picked unseen
        await ask_package(turn)
        return Stay()
    shown = answers(turn).get(SAME_SPEED_SHOWN) or []
    _forget_same_speed(turn, SAME_SPEED_SHOWN)
    same_speed = [c for c in offered if value_of(c) in shown]
    # a row number after "2 paket 20 Mbps" is one of those two; anything else, of them all
    rows = same_speed if same_speed and number_said(turn.text) is not None else offered
    try:
        picked = _picked(turn, "ASK_PACKAGE", rows)
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None:  # not a row number (those come first): a speed, "yg 40mb", "100 mbps", "40"
        fits = _of_speed(turn.text, offered)
        if len(fits) > 1:  # two packages of 20 Mbps: which of them, the answers so far kept
            remember(turn, **{SAME_SPEED: [value_of(c) for c in fits]})
            await ask_package(turn)
            return Stay()
        picked = fits[0] if fits else None
    if picked is None and (speed := package_words.said_speed(turn.text)) is not None:
        speeds = package_words.speeds(await _listed(turn, offered))
        if speed not in speeds:  # "paket 50 mbps": told the speeds there are, not "no package '50 mbps'"
            return Retry("reg_package_no_speed", {"speed": speed, "speeds": speeds})
    if picked is None and turn.message.kind is InboundKind.TEXT:  # "paling murah", "199rb", "bronz"
        picked = await _by_words(turn, offered)
    if picked is None and (price := package_words.said_price(turn.text)) is not None:
        return Retry("reg_package_no_price", {"price": price, "count": len(offered)}, unreadable=True)
    if picked is None:
        return Retry("reg_bad_package", {"count": len(offered), "typed": turn.text[:30]}, unreadable=True)
    await _remember_package(turn, picked)
    return Next("package_chosen")


async def _remember_package(turn: Turn, picked: Any) -> None:
    """The package chosen, with its price as the list showed it: the price the summary
    shows and the registration keeps (see `price_confirmed`)."""
    package = await turn.session.get(Package, int(value_of(picked)))  # the one the list was made of
    remember(turn, package_id=int(value_of(picked)), package_name=picked.title, package_price=picked.description or "",
             package_monthly_price=package.monthly_price if package is not None else None)


def _price_shown(turn: Turn, package: Package) -> int | None:
    """The monthly price the summary showed for the package chosen; None when it is not
    known (a draft kept before the price was, whose summary showed another price)."""
    draft = answers(turn)
    if draft.get("package_monthly_price") is not None:
        return int(draft["package_monthly_price"])
    from ispbot.messages import rupiah

    return package.monthly_price if rupiah(package.monthly_price) in str(draft.get("package_price", "")) else None


async def price_confirmed(turn: Turn, package: Package) -> int | None:
    """The monthly price the customer confirmed at the summary, the one their registration
    keeps. A draft waits at its summary for hours or days, and the ISP may change the
    package's price meanwhile: then None, the customer told so and shown the summary again
    at today's price to confirm; no registration is made at a price they were not shown."""
    shown = _price_shown(turn, package)
    if shown == package.monthly_price:
        return shown
    remember(turn, package_id=package.id, package_name=package.name, package_price=_package_line(turn, package),
             package_monthly_price=package.monthly_price)
    turn.say("reg_package_repriced", name=package.name, description=_package_line(turn, package))
    await ask_confirm(turn)
    return None


def _of_speed(text: str, offered: list[Any]) -> list[Any]:
    """The packages of the speed the customer named, with its unit or as a bare number."""
    speed = package_words.said_speed(text)
    if speed is None:
        speed = number_said(text)
    if speed is None:
        return []
    return [c for c in offered if (c.description or "").startswith(f"{speed} Mbps")]


async def _listed(turn: Turn, offered: list[Any]) -> list[Package]:
    """The packages behind the choices offered."""
    listed = {value_of(c) for c in offered}
    return [p for p in await registrations.packages(turn.session) if str(p.id) in listed]


async def _package_by_speed(turn: Turn, speed: int) -> None:
    """"ganti paket jadi 75 mbps" at the summary: that package, and the summary again; no
    package of that speed: the speeds there are, and the package question (several of that
    speed: the question between just those)."""
    offered = await _package_choices(turn)
    listed = await _listed(turn, offered)
    found = package_words.by_speed(speed, listed)
    if found is None:
        if listed and speed not in package_words.speeds(listed):
            turn.say("reg_package_no_speed", speed=speed, speeds=package_words.speeds(listed))
        else:
            remember(turn, **{SAME_SPEED: [str(p.id) for p in listed if p.speed_mbps == speed]})
        await REGISTRATION.edit(turn, "package")
        return
    picked = next(c for c in offered if value_of(c) == str(found.id))
    await _remember_package(turn, picked)
    turn.say("reg_package_changed", name=picked.title, description=picked.description)
    await ask_confirm(turn)


async def _by_words(turn: Turn, offered: list[Any]) -> Any:
    """The package named by rank, price or a misspelt name (flows/package_words.py)."""
    packages = await _listed(turn, offered)
    for reader in (package_words.by_rank, package_words.by_price, package_words.by_name):
        if (found := reader(turn.text, packages)) is not None:
            return next(c for c in offered if value_of(c) == str(found.id))
    return None


def _install_days(turn: Turn) -> list[date]:
    today = turn.now.astimezone(turn.settings.tz).date()
    days = [today + timedelta(days=n) for n in range(1, turn.settings.installation_horizon_days + 1)]
    return [d for d in days if d.weekday() != 6][:8]


def _day_choices(turn: Turn) -> list[Any]:
    return [choice("ASK_DATE", d.isoformat(), turn.messages.date(d, turn.locale, "short")) for d in _install_days(turn)]


async def ask_date(turn: Turn) -> None:
    turn.ask("reg_ask_date", _day_choices(turn), button="Tanggal" if turn.locale != "en" else "Dates",
             **_date_examples(turn))


def _date_examples(turn: Turn) -> dict[str, str]:
    """A date to type as the example, the last one offered: a fixed one (25/11/2026) was
    soon in the past, and a customer who copied it was told the date had passed."""
    offered = _install_days(turn)
    day = offered[-1] if offered else turn.now.astimezone(turn.settings.tz).date() + timedelta(days=7)
    return {"example": day.strftime("%d/%m/%Y"), "example_words": turn.messages.date(day, turn.locale, "day_month")}


async def read_date(turn: Turn) -> Answer:
    try:
        picked = _picked(turn, "ASK_DATE", _day_choices(turn))
    except StaleChoice:
        return Retry("stale_choice")
    today = turn.now.astimezone(turn.settings.tz).date()
    if picked is None and is_earliest(turn.text) and (offered := _install_days(turn)):
        # "secepatnya", "terserah": the first day offered, said so (it can be changed at the summary)
        turn.say("reg_date_earliest", chosen=offered[0])
        remember(turn, install_date=offered[0].isoformat())
        return Next("date_given")
    chosen = date.fromisoformat(value_of(picked)) if picked else parse_date(turn.text, today)
    if chosen is None:
        return Retry("reg_bad_date", {"typed": turn.text[:30], **_date_examples(turn)}, unreadable=True)
    refused = _date_refused(turn, chosen)
    if refused is not None:
        return refused
    remember(turn, install_date=chosen.isoformat())
    return Next("date_given")


def _date_refused(turn: Turn, chosen: date) -> Retry | None:
    """Why `chosen` cannot be the installation date today; None when it can."""
    today = turn.now.astimezone(turn.settings.tz).date()
    horizon = today + timedelta(days=turn.settings.installation_horizon_days)
    if chosen <= today:
        return Retry("reg_date_past", {"chosen": chosen})
    if chosen > horizon:
        return Retry("reg_date_too_far", {"chosen": chosen, "days": turn.settings.installation_horizon_days})
    if chosen.weekday() == 6:  # the offered days skip Sundays; a typed one is told why
        return Retry("reg_date_sunday", {"chosen": chosen})
    return None


async def ask_date_again_if_gone(turn: Turn) -> bool:
    """A draft lives for days, so the date chosen ("besok", then) may be past by the time
    the summary is shown again or sent: said so, and the schedule asked again, every other
    answer kept. False when the date still stands."""
    stored = answers(turn).get("install_date")
    chosen = date.fromisoformat(stored) if stored else None
    if chosen is None or _date_refused(turn, chosen) is None:
        return False
    turn.say("reg_date_gone", chosen=chosen)
    await REGISTRATION.edit(turn, "schedule", required=True)
    return True


def _slot_choices(turn: Turn) -> list[Any]:
    if turn.locale == "en":  # "Afternoon (15:00–18:00)" is longer than a button's 20 characters: the hours below it
        return [choice("ASK_SLOT", key, *english.removesuffix(")").split(" (")) for key, (_, english) in SLOTS.items()]
    return [choice("ASK_SLOT", key, indonesian) for key, (indonesian, _) in SLOTS.items()]


async def ask_slot(turn: Turn) -> None:
    turn.ask("reg_ask_slot", _slot_choices(turn))


async def read_slot(turn: Turn) -> Answer:
    hour = said_hour(turn.text) if turn.message.kind is InboundKind.TEXT else None
    if hour is not None:  # "jam 10 pagi", "pukul 14.00", "jam 4 sore"
        slot = next((key for key, (start, end) in SLOT_HOURS.items() if start <= hour < end), None)
        if slot is None:
            return Retry("reg_slot_outside", {"hour": hour})
        remember(turn, slot=SLOTS[slot][0])
        return Next("slot_chosen")
    try:
        picked = _picked(turn, "ASK_SLOT", _slot_choices(turn))
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None and _NIGHT_WORDS & set(words_of(turn.text)):
        # "malam aja kak" (at work all day) was "choose one of the options": said why not
        return Retry("reg_slot_outside", {"hour": None})
    if picked is None:
        return Retry("choose_one", unreadable=True)
    remember(turn, slot=SLOTS[value_of(picked)][0])
    return Next("slot_chosen")


SLOT_HOURS = {"pagi": (8, 12), "siang": (12, 15), "sore": (15, 18)}
_NIGHT_WORDS = {"malam", "malem", "mlm", "night", "evening", "tonight"}
_SAID_TIME = re.compile(
    r"(?:\b(?:jam|jm|pukul|pkl)\.?\s*(\d{1,2})(?:[.:]\d{2})?|\b(\d{1,2})[.:]\d{2})\s*(pagi|siang|sore|malam)?\b")


def said_hour(text: str) -> int | None:
    """The hour of a time said in words ("jam 10 pagi" → 10, "jam 1 siang" → 13, "pukul
    14.00" → 14, "jam 4" → 16: nobody books an installation at four in the morning)."""
    found = _SAID_TIME.search(text.lower())
    if found is None:
        return None
    hour = int(found.group(1) or found.group(2))
    part = found.group(3)
    if hour > 23:
        return None
    if part in ("siang", "sore", "malam") and hour < 12 and not (part == "siang" and hour >= 10):
        hour += 12  # "jam 1 siang", "jam 4 sore"; but "jam 11 siang" is 11
    elif part is None and 1 <= hour <= 6:
        hour += 12
    return hour


async def ask_notes(turn: Turn) -> None:
    turn.say("reg_ask_notes")


async def read_notes(turn: Turn) -> Answer:
    text = turn.text
    remember(turn, notes=None if is_skip(text) else text[:500])
    return Next("notes_given")


# -- summary -----------------------------------------------------------------------------------


def _confirm_choices(turn: Turn) -> list[Any]:
    if turn.locale == "en":
        return [choice("CONFIRM", "send", "✅ Submit"), choice("CONFIRM", "edit", "✏️ Change data"),
                choice("CONFIRM", "cancel", "❌ Cancel")]
    return [choice("CONFIRM", "send", "✅ Kirim"), choice("CONFIRM", "edit", "✏️ Ubah data"),
            choice("CONFIRM", "cancel", "❌ Batal")]


def _edit_choices(turn: Turn) -> list[Any]:
    return [
        choice("CONFIRM", f"edit:{key}", group.title_en if turn.locale == "en" else group.title_id)
        for key, group in EDIT_GROUPS.items()
    ]


EDIT_LIST_SHOWN = EDIT_LIST  # in the draft: the last list shown at the summary was the fields'


async def ask_confirm(turn: Turn) -> None:
    if await ask_date_again_if_gone(turn):
        return
    remember(turn, **{EDIT_LIST_SHOWN: False})
    draft = answers(turn)
    install = date.fromisoformat(draft["install_date"]) if draft.get("install_date") else None
    turn.ask(
        "reg_summary", _confirm_choices(turn), a=draft, nik=mask_nik(draft["nik"]) if draft.get("nik") else None,
        phone=masked(draft.get("phone", "")), install_date=install, slot=slot_label(draft.get("slot"), turn.locale),
    )


def slot_label(stored: str | None, locale: str) -> str | None:
    """The slot in the customer's language (the draft keeps the Indonesian label, which is
    what staff see)."""
    for indonesian, english in SLOTS.values():
        if stored == indonesian:
            return english if locale == "en" else indonesian
    return stored


async def read_confirm(turn: Turn) -> Answer:
    # After "Ubah data" the list on screen is the fields: a typed number picks one of them
    # ("1" is Nama there, not Kirim); the summary's own words still work.
    editing = bool(answers(turn).get(EDIT_LIST_SHOWN))
    if (speed := _speed_at_summary(turn)) is not None:
        remember(turn, **{EDIT_LIST_SHOWN: False})
        await _package_by_speed(turn, speed)
        return Stay()
    offered = _edit_choices(turn) + _confirm_choices(turn) if editing else _confirm_choices(turn) + _edit_choices(turn)
    try:
        picked = _picked(turn, "CONFIRM", offered)
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None and not editing and is_yes(turn.text):
        picked = _confirm_choices(turn)[0]  # "oke", "sudah benar" to the summary: Kirim
    if picked is None:
        return Retry("choose_one", unreadable=True)
    value = value_of(picked)
    remember(turn, **{EDIT_LIST_SHOWN: value == "edit"})
    if value == "edit":
        turn.ask("reg_edit_which", _edit_choices(turn), button="Ubah" if turn.locale != "en" else "Change")
        return Stay()
    if value.startswith("edit:"):
        await REGISTRATION.edit(turn, value.split(":", 1)[1])
        return Stay()
    from ispbot.flows import menu

    if value == "cancel":
        REGISTRATION.drop(turn)
        turn.say("reg_cancelled")
        await menu.finish_flow(turn, "registration")
        return Stay()
    from ispbot.flows.registration_submit import submit

    await submit(turn)
    return Stay()


REGISTRATION = Flow(
    "registration",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "ASK_NAME": Question(ask_name, read_name, "help_name"),  # courtesy: flows/name_answer.py
        "ASK_EMAIL": Question(ask_email, read_email, "help_email", formatted=True),
        "ASK_PHONE": Question(ask_phone, read_phone, "help_phone", formatted=True),
        "ASK_OTHER_PHONE": Question(ask_other_phone, read_other_phone, "help_phone"),
        "AWAIT_OTP": Question(ask_otp, read_otp, "help_otp"),
        "ASK_NIK": Question(ask_nik, read_nik, "help_nik"),
        "ASK_KTP_PHOTO": Question(ask_ktp_photo, read_ktp_photo, "help_ktp_photo"),
        **address.QUESTIONS,
        "ASK_LANDMARK": Question(address.ask_landmark, address.read_landmark, "help_landmark", free_text=True),
        "ASK_LOCATION": Question(address.ask_location, address.read_location, "help_location"),
        "ASK_PACKAGE": Question(ask_package, read_package, "help_package", formatted=True),
        "ASK_DATE": Question(ask_date, read_date, "help_date", formatted=True),
        "ASK_SLOT": Question(ask_slot, read_slot, "help_slot", formatted=True),
        "ASK_NOTES": Question(ask_notes, read_notes, "help_notes", free_text=True),
        "CONFIRM": Question(ask_confirm, read_confirm, "help_confirm"),
    },
    summary_state="CONFIRM",
    edit_groups=EDIT_GROUPS,
    aside=menu_word,
)
