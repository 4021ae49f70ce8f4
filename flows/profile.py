""""profil": the customer's details, and changing the email, the address (checked against
the official region list, as in registration) or the WhatsApp number on file (a code
goes to the new number first; the old number is told).

    PROFILE_MENU ─email→ ASK_NEW_EMAIL → saved
                 ─address→ ASK_STREET → ASK_RT_RW → ASK_CITY → ASK_DISTRICT → ASK_VILLAGE
                           → ASK_POSTCODE → CONFIRM_ADDRESS → saved
                 ─number→ ASK_NEW_PHONE → AWAIT_PHONE_OTP → saved
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from ispbot.flows import account, email_answer, menu, otp_step
from ispbot.flows import address_questions as address
from ispbot.flows.account import LINK_DAYS
from ispbot.flows.answers import is_no, is_yes
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.engine import Answer, Flow, Next, Question, Retry, Stay
from ispbot.flows.registration_draft import answers, remember
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Contact
from ispbot.providers.phone import InvalidPhone, local_format, masked, normalize_phone
from ispbot.storage import audit, customers, tickets
from ispbot.storage.models import Customer, Package

STATES = [
    "PROFILE_MENU", "ASK_NEW_EMAIL", "ASK_NEW_PHONE", "AWAIT_PHONE_OTP", *address.STREET_TO_POSTCODE, "CONFIRM_ADDRESS",
]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "change_email", "source": "PROFILE_MENU", "dest": "ASK_NEW_EMAIL"},
    {"trigger": "change_address", "source": "PROFILE_MENU", "dest": "ASK_STREET"},
    {"trigger": "change_phone", "source": "PROFILE_MENU", "dest": "ASK_NEW_PHONE"},
    {"trigger": "new_number_given", "source": "ASK_NEW_PHONE", "dest": "AWAIT_PHONE_OTP"},
    *address.TRANSITIONS,
    {"trigger": "postcode_given", "source": "ASK_POSTCODE", "dest": "CONFIRM_ADDRESS"},
]
OPTIONS = {
    "email": ("Ubah email", "Change email"),
    "address": ("Ubah alamat", "Change address"),
    "phone": ("Ganti nomor WhatsApp", "Change WhatsApp number"),
    "done": ("Selesai", "Done"),
}


async def _customer(turn: Turn) -> Customer:
    customer = await turn.session.get(Customer, int(answers(turn)["customer_id"]))
    assert customer is not None
    return customer


async def start(turn: Turn, customer: Customer) -> None:
    turn.conversation.flow = PROFILE.name
    PROFILE.save(turn, {"customer_id": customer.id, "_history": []})
    await PROFILE.enter(turn, "PROFILE_MENU")


def _options(turn: Turn) -> list[Any]:
    return [choice("PROFILE_MENU", key, en if turn.locale == "en" else idn) for key, (idn, en) in OPTIONS.items()]


async def ask_menu(turn: Turn) -> None:
    customer = await _customer(turn)
    package = await turn.session.get(Package, customer.package_id) if customer.package_id else None
    turn.ask("profile_view", _options(turn), button="Profil" if turn.locale == "id" else "Profile",
             customer=customer, package=package, phone=local_format(customer.phone))


async def read_menu(turn: Turn) -> Answer:
    try:
        picked = pick(turn.message, _options(turn), prefix="PROFILE_MENU")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None:
        if await menu.leave_for_menu_word(turn, PROFILE, "profile"):
            return Stay()
        return Retry("choose_one", unreadable=True)
    key = value_of(picked)
    if key == "done":
        turn.say("profile_done")
        await _finish(turn)
        return Stay()
    return Next(f"change_{key}")


# -- email -----------------------------------------------------------------------------------


async def ask_email(turn: Turn) -> None:
    turn.say("profile_ask_email", current=(await _customer(turn)).email)


async def read_email(turn: Turn) -> Answer:
    email = email_answer.read_email(turn)
    if isinstance(email, Retry):
        return email
    customer = await _customer(turn)
    _audit(turn, customer, "customer.email_changed", {"from": customer.email, "to": email})
    customer.email, customer.updated_at = email, turn.now
    turn.say("profile_saved", what="email", value=email)
    await _finish(turn)
    return Stay()


# -- address (the registration's questions) -------------------------------------------------


async def ask_street(turn: Turn) -> None:
    turn.say("profile_ask_street")


def _yes_no(turn: Turn) -> list[Any]:
    en = turn.locale == "en"
    return [choice("CONFIRM_ADDRESS", "yes", "Yes, save" if en else "Ya, simpan"),
            choice("CONFIRM_ADDRESS", "no", "No" if en else "Tidak")]


async def ask_confirm_address(turn: Turn) -> None:
    turn.ask("profile_confirm_address", _yes_no(turn), a=answers(turn))


async def read_confirm_address(turn: Turn) -> Answer:
    try:
        picked = pick(turn.message, _yes_no(turn), prefix="CONFIRM_ADDRESS")
    except StaleChoice:
        return Retry("stale_choice")
    answer = value_of(picked) if picked else ("yes" if is_yes(turn.text) else "no" if is_no(turn.text) else None)
    if answer is None:  # the address is on screen just above: only the question again
        return Retry("choose_yes_or_no", choices=tuple(_yes_no(turn)), ask_again=False, unreadable=True)
    if answer == "no":
        turn.say("profile_unchanged")
        await _finish(turn)
        return Stay()
    a = answers(turn)
    customer = await _customer(turn)
    before = {"address": customer.address, "kelurahan": customer.kelurahan, "kecamatan": customer.kecamatan,
              "city": customer.city, "postal_code": customer.postal_code}
    customer.address, customer.rt, customer.rw = a["street"], a.get("rt"), a.get("rw")
    customer.city, customer.kecamatan, customer.kelurahan = a.get("city"), a.get("district"), a.get("village")
    customer.postal_code, customer.region_code = a.get("postcode"), address.region_code(turn)
    customer.updated_at = turn.now
    _audit(turn, customer, "customer.address_changed", {"from": before})
    turn.say("profile_saved", what="address", value=f"{customer.address}, {customer.kelurahan}, {customer.city}")
    ticket = await _tell_cs_of_the_move(turn, customer, before)
    turn.say("profile_address_ticket", ticket=ticket)
    await _finish(turn)
    return Stay()


async def _tell_cs_of_the_move(turn: Turn, customer: Customer, before: dict[str, Any]) -> str:
    """A new service address may be a move: CS check the network reaches it and plan the
    relocation (a technician, maybe a fee) — a ticket, so it is not lost in an audit log."""
    was = ", ".join(str(before[k]) for k in ("address", "kelurahan", "kecamatan", "city") if before.get(k))
    now = ", ".join(str(v) for v in (customer.address, customer.kelurahan, customer.kecamatan, customer.city) if v)
    ticket = await tickets.open_ticket(
        turn.session, kind="support", now=turn.now, timezone=turn.settings.tz, category="other",
        subject=f"Perubahan alamat layanan {customer.customer_code}",
        description=f"Diubah pelanggan lewat WhatsApp.\nDari: {was}\nMenjadi: {now}\n"
                    "Periksa jangkauan; bila pindah rumah, jadwalkan relokasi.",
        customer_id=customer.id, contact_phone=customer.phone, created_via="whatsapp",
    )
    return ticket.ticket_number


# -- WhatsApp number -----------------------------------------------------------------------------


async def ask_phone(turn: Turn) -> None:
    turn.say("profile_ask_phone", current=masked((await _customer(turn)).phone))


async def read_phone(turn: Turn) -> Answer:
    try:
        phone = normalize_phone(turn.text)
    except InvalidPhone:
        return Retry("reg_bad_phone", {"typed": turn.text[:30]})
    customer = await _customer(turn)
    if phone == customer.phone:
        return Retry("profile_same_phone")
    other = await customers.by_phone(turn.session, phone)
    if other is not None and other.id != customer.id:
        return Retry("profile_phone_taken")
    remember(turn, new_phone=phone)
    # The same new number again while its code still works: told to type that code, at its question.
    return await _send_code(turn, phone, then=Next("new_number_given"), earlier=Next("new_number_given", ask=False))


async def _send_code(turn: Turn, phone: str, *, then: Answer, earlier: Answer | None = None) -> Answer:
    return await otp_step.send_code(turn, phone=phone, purpose="phone_change", template="otp_phone_change", then=then,
                                    earlier=earlier)


async def ask_phone_otp(turn: Turn) -> None:
    turn.say("profile_ask_phone_otp", phone=masked(answers(turn).get("new_phone", "")))


async def read_phone_otp(turn: Turn) -> Answer:
    phone = str(answers(turn).get("new_phone", ""))
    if otp_step.wants_resend(turn):
        sent = await _send_code(turn, phone, then=Retry("reg_otp_resent", {"phone": masked(phone)}, ask_again=False))
        # Refused ("wait 56 s"): not followed by "a code was sent to …", which it was not.
        return replace(sent, ask_again=False) if isinstance(sent, Retry) else sent
    refused = await otp_step.check_code(turn, phone=phone, purpose="phone_change")
    if refused is not None:
        return refused
    customer = await _customer(turn)
    old = customer.phone
    _audit(turn, customer, "customer.phone_changed", {"from": masked(old), "to": masked(phone)})
    customer.phone, customer.updated_at = phone, turn.now
    turn.say_to(Contact(phone=old), "profile_phone_changed_notice", new=masked(phone))
    turn.say("profile_saved", what="phone", value=local_format(phone))
    await _finish(turn)
    # This chat keeps its access for the usual link time, even if it was the old number.
    data = dict(turn.conversation.data or {})
    data["account"] = {"customer_id": customer.id, "until": (turn.now + timedelta(days=LINK_DAYS)).isoformat()}
    turn.conversation.data = data
    return Stay()


def _audit(turn: Turn, customer: Customer, action: str, detail: dict[str, Any]) -> None:
    audit.record(turn.session, action=action, now=turn.now, actor_label=f"customer:{customer.customer_code}",
                 target_type="customer", target_id=customer.id, detail=detail)


async def _finish(turn: Turn) -> None:
    PROFILE.drop(turn)
    await menu.finish_flow(turn, PROFILE.name)


PROFILE = Flow(
    "profile",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "PROFILE_MENU": Question(ask_menu, read_menu, "help_profile"),
        "ASK_NEW_EMAIL": Question(ask_email, read_email, "help_email"),
        "ASK_NEW_PHONE": Question(ask_phone, read_phone, "help_phone"),
        "AWAIT_PHONE_OTP": Question(ask_phone_otp, read_phone_otp, "help_otp"),
        **address.QUESTIONS,
        # a customer changing their address is past the registration's "Langkah 2/4"
        "ASK_STREET": replace(address.QUESTIONS["ASK_STREET"], ask=ask_street),
        "CONFIRM_ADDRESS": Question(ask_confirm_address, read_confirm_address, "help_profile"),
    },
    # every step for the customer this chat may still see (a lapsed link changes nothing)
    guard=lambda turn: account.still_acting_for(turn, PROFILE, then="profile"),
)
