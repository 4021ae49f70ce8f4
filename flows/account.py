"""Who the customer is. A WhatsApp number on file (portal active, account active) is
recognised at once. Anyone else links by customer id: a code goes to the number on file
(shown masked, `0812****002`), and the link lasts LINK_DAYS, like the seed portal's login.

    ASK_CUSTOMER_ID ─known id→ code sent to the number on file → AWAIT_ACCOUNT_OTP
                                                     ─right code→ the feature asked for
                    ─the code, or "kirim ulang", while one sent from here still works→ (as there)
    AWAIT_ACCOUNT_OTP ─a customer id→ (as at ASK_CUSTOMER_ID: no code attempt used)

A code still working is not sent again: the id typed a second time within the minute goes
(back) to the code's prompt, saying the code sent before still works.

A customer only ever sees their own data: every self-service flow gets the customer from
`customer_of`, never from anything the customer typed, and checks again before each of
its steps (`still_acting_for`): a link that lapsed mid-flow changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ispbot.flows import otp_step
from ispbot.flows.engine import Answer, Flow, Next, Question, Retry, Stay
from ispbot.flows.status_words import status_words
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind
from ispbot.providers.phone import masked
from ispbot.storage import customers, registrations
from ispbot.storage.lifecycle import ACTIVE
from ispbot.storage.models import Customer, Registration

LINK_DAYS = 7
MAX_UNKNOWN_IDS = 3  # then stop: customer ids are not to be guessed one by one
MISSES_WINDOW = timedelta(hours=1)
QUESTION_WORDS = 3  # fewer ("paket", "lupa id") are a word for the id question, not a question for the FAQ
MISSES = "_account_id_misses"  # in the conversation's data, outside the flow's draft: starting
# over ("akun" again) reset the count kept in the draft, so ids could be tried without end
LOGOUT_WORDS = {"keluar", "logout", "keluar akun", "putuskan akun"}
# A customer id as typed: any case, spaces or dashes inside ("agls-2025 1015 0001"), alone
# or in a sentence ("id pelanggan saya AGLS202612030001").
CUSTOMER_CODE = re.compile(r"\b([A-Z]{1,8})[ -]*(\d(?:[ -]*\d){5,})\b", re.IGNORECASE)

STATES = ["ASK_CUSTOMER_ID", "AWAIT_ACCOUNT_OTP"]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "code_sent", "source": ["ASK_CUSTOMER_ID", "AWAIT_ACCOUNT_OTP"], "dest": "AWAIT_ACCOUNT_OTP"},
]


def usable(customer: Customer | None) -> bool:
    return customer is not None and customer.portal_active and customer.account_status in customers.CURRENT


async def customer_of(turn: Turn) -> Customer | None:
    """The customer this chat may see: the one whose number it is, or the one linked here."""
    on_file = await _on_file(turn)
    if usable(on_file):
        return on_file
    linked_id = _linked_id(turn)
    linked = await turn.session.get(Customer, linked_id) if linked_id is not None else None
    return linked if usable(linked) else None


async def _on_file(turn: Turn) -> Customer | None:
    phone = turn.contact.phone or ""
    return await customers.by_phone(turn.session, phone) if phone else None


def _linked_id(turn: Turn) -> int | None:
    """The customer this chat is linked to, while the link lasts."""
    link = (turn.conversation.data or {}).get("account") or {}
    until = link.get("until")
    if link.get("customer_id") and until and datetime.fromisoformat(until) > turn.now:
        return int(link["customer_id"])
    return None


def logout(turn: Turn) -> bool:
    """Forget a linked account. False when there was none (a number on file stays known)."""
    data = dict(turn.conversation.data or {})
    had = bool(data.pop("account", None))
    turn.conversation.data = data
    return had


async def require(turn: Turn, then: str) -> Customer | None:
    """The customer, or None after starting the link (which resumes `then` once linked)."""
    customer = await customer_of(turn)
    if customer is not None:
        return customer
    if await _on_file(turn) is not None:  # known, but the portal or the account is off
        turn.say("account_inactive")
        return None
    waiting = await _open_registration(turn)
    if waiting is not None:
        # Registered, not installed yet: "tagihan" was told "this number is not a customer's"
        # and asked for a customer id they do not have; then asked for it a second time,
        # under the message saying why there is no account. One message, the chat at the
        # menu: the id of an account at another address, typed next, still links it there.
        turn.say("account_registration_open", registration=waiting, status=status_words(turn.locale, waiting.status))
        ACCOUNT.save(turn, {**ACCOUNT.draft(turn), "then": then})
        return None
    turn.say("account_not_linked")
    await _ask_for_the_id(turn, then)
    return None


async def link_typed_id(turn: Turn) -> bool:
    """A customer id with this ISP's prefix typed at the menu by a chat no account is
    known for: read as at the id question (the same limit on unknown ids), for the
    feature asked for before (`require`), else the account. False when it is none."""
    prefix = turn.settings.customer_id_prefix
    code = customer_code_in(turn.text, prefix=prefix) if turn.message.kind is InboundKind.TEXT else None
    if code is None or not code.startswith(prefix.upper()) or await customer_of(turn) is not None:
        return False
    earlier = ACCOUNT.draft(turn)
    ACCOUNT.save(turn, {"then": earlier.get("then") or "account", "_history": [],
                        **({"customer_id": earlier["customer_id"]} if earlier.get("customer_id") else {})})
    turn.conversation.flow, turn.conversation.state = ACCOUNT.name, "ASK_CUSTOMER_ID"
    await ACCOUNT.handle(turn)
    return True


async def _open_registration(turn: Turn) -> Registration | None:
    """This chat's registration still on its way to becoming a customer, if any."""
    made = await registrations.of_chat(turn.session, turn.contact.phone or "", turn.contact.key)
    return next((r for r in made if r.status in ACTIVE), None)


async def still_acting_for(turn: Turn, flow: Flow, then: str) -> bool:
    """Before each step of `flow` (the feature `then`): whether this chat may still see the
    customer the flow's draft was started for (`customer_of`: the number on file, or a link
    not yet lapsed, the account and its portal still on). When not, the draft is dropped
    with nothing changed, and the customer is told why: asked to log in again when the
    link lapsed (`then` opens afresh once linked)."""
    drafted = flow.draft(turn).get("customer_id")
    customer = await customer_of(turn)
    if customer is not None and drafted is not None and customer.id == int(drafted):
        return True
    flow.drop(turn)
    await _to_menu(turn)
    if customer is not None:  # another account than the draft's (the number's own came on)
        from ispbot.flows import self_service

        await self_service.open_feature(turn, then)
    elif await _on_file(turn) is None and _linked_id(turn) is None:
        turn.say("account_link_expired", days=LINK_DAYS)
        await _ask_for_the_id(turn, then)
    else:
        turn.say("account_inactive")
    return False


async def _ask_for_the_id(turn: Turn, then: str) -> None:
    earlier = ACCOUNT.draft(turn).get("customer_id")  # a code may be on its way to them
    ACCOUNT.save(turn, {"then": then, "_history": [], **({"customer_id": earlier} if earlier else {})})
    turn.conversation.flow = ACCOUNT.name
    await ACCOUNT.enter(turn, "ASK_CUSTOMER_ID")


# -- the questions -----------------------------------------------------------------------


async def ask_customer_id(turn: Turn) -> None:
    turn.say("account_ask_customer_id", prefix=turn.settings.customer_id_prefix)


async def read_customer_id(turn: Turn) -> Answer:
    from ispbot.flows import menu

    if await menu.leave_for_menu_word(turn, ACCOUNT, own=""):  # "daftar", as the question suggests
        return Stay()
    misses = _recent_misses(turn)
    if len(misses) >= MAX_UNKNOWN_IDS:  # back within the hour: not one more try
        return await _too_many_tries(turn)
    waiting = await _code_on_its_way(turn)
    if waiting is not None and (otp_step.is_code(turn.text) or otp_step.wants_resend(turn)):
        return await _code_at_the_id_prompt(turn, waiting)
    draft = ACCOUNT.draft(turn)
    code = customer_code_in(turn.text, prefix=turn.settings.customer_id_prefix)
    if code is None:  # "paket", "100mb": no id typed, so none guessed; not counted
        if await _answered_by_the_faq(turn):
            return Stay()
        return Retry("account_not_an_id", {"typed": turn.text[:30]}, unreadable=True)
    customer = await customers.by_code(turn.session, code)
    if not usable(customer):
        misses.append(turn.now.isoformat())
        turn.conversation.data = {**(turn.conversation.data or {}), MISSES: misses}
        if len(misses) >= MAX_UNKNOWN_IDS:
            return await _too_many_tries(turn)
        return Retry("account_unknown_id", {"typed": code[:30]})
    assert customer is not None
    draft.update(customer_id=customer.id)
    ACCOUNT.save(turn, draft)
    return await _send_code(turn, customer, then=Next("code_sent"), earlier=Next("code_sent", ask=False))


async def _answered_by_the_faq(turn: Turn) -> bool:
    """A question the FAQ answers ("kapan teknisi datang?"), typed where the id is asked:
    the link is given up and the question answered. Someone who registered and typed
    "tagihan" was told "not a customer id" to every question after it, until "menu"."""
    from ispbot.flows import faq

    if turn.message.kind is not InboundKind.TEXT or len(turn.text.split()) < QUESTION_WORDS:
        return False
    if not await faq.matches(turn, turn.text):
        return False
    ACCOUNT.drop(turn)
    await _to_menu(turn)
    await faq.start(turn, turn.text)
    return True


def customer_code_in(text: str, *, prefix: str) -> str | None:
    """The one customer id in what was typed, written as stored (`AGLS202510150001`): the
    first with this ISP's prefix, else the first of any. Only one is ever looked up, so a
    message full of ids is one guess, not many."""
    found = [letters.upper() + re.sub(r"[ -]", "", digits) for letters, digits in CUSTOMER_CODE.findall(text)]
    ours = [code for code in found if code.startswith(prefix.upper())]
    return (ours or found or [None])[0]


def _recent_misses(turn: Turn) -> list[str]:
    since = turn.now - MISSES_WINDOW
    return [at for at in (turn.conversation.data or {}).get(MISSES, []) if datetime.fromisoformat(at) > since]


async def _too_many_tries(turn: Turn) -> Answer:
    ACCOUNT.drop(turn)
    await _to_menu(turn)
    turn.say("account_too_many_tries")
    return Stay()


async def _send_code(turn: Turn, customer: Customer, *, then: Answer, earlier: Answer | None = None) -> Answer:
    return await otp_step.send_code(
        turn, phone=customer.phone, purpose="portal", template="otp_portal", then=then, earlier=earlier,
        name=customer.full_name,
    )


async def _code_on_its_way(turn: Turn) -> Customer | None:
    """The customer a code was sent to from this chat, while that code still works."""
    customer = await _linking(turn)
    if not usable(customer):
        return None
    assert customer is not None
    live = await otp_step.live_from_here(turn, phone=customer.phone, purpose="portal")
    return customer if live is not None else None


async def _code_at_the_id_prompt(turn: Turn, customer: Customer) -> Answer:
    """The code (or "kirim ulang") typed where the id is asked: read as at the code's own
    prompt, which the chat then goes to unless the code was right."""
    if otp_step.wants_resend(turn):
        return await _send_code(turn, customer, then=Next("code_sent"), earlier=Next("code_sent", ask=False))
    refused = await otp_step.check_code(turn, phone=customer.phone, purpose="portal")
    if refused is not None:
        turn.say(refused.template, **refused.context)  # "Kode salah. Sisa percobaan: 2"
        return Next("code_sent")
    return await _linked(turn, customer)


async def _linking(turn: Turn) -> Customer | None:
    customer_id = ACCOUNT.draft(turn).get("customer_id")
    return await turn.session.get(Customer, int(customer_id)) if customer_id else None


async def ask_otp(turn: Turn) -> None:
    customer = await _linking(turn)
    turn.say("account_ask_otp", phone=masked(customer.phone) if customer else "")


async def read_otp(turn: Turn) -> Answer:
    customer = await _linking(turn)
    if not usable(customer):
        ACCOUNT.drop(turn)
        await _to_menu(turn)
        turn.say("account_inactive")
        return Stay()
    assert customer is not None
    if not otp_step.is_code(turn.text) and customer_code_in(turn.text, prefix=turn.settings.customer_id_prefix):
        return await read_customer_id(turn)  # the id again, or another: not a wrong code
    if otp_step.wants_resend(turn):
        sent = await _send_code(
            turn, customer, then=Retry("account_otp_resent", {"phone": masked(customer.phone)}, ask_again=False)
        )
        # Refused ("wait 56 s"): not followed by "a code was sent to …", which it was not.
        return replace(sent, ask_again=False) if isinstance(sent, Retry) else sent
    refused = await otp_step.check_code(turn, phone=customer.phone, purpose="portal")
    if refused is not None:
        return refused
    return await _linked(turn, customer)


async def _linked(turn: Turn, customer: Customer) -> Answer:
    """The right code: the chat is linked for LINK_DAYS and goes on to what was asked for."""
    then = ACCOUNT.draft(turn).get("then") or "account"
    ACCOUNT.drop(turn)
    data = dict(turn.conversation.data or {})
    data["account"] = {"customer_id": customer.id, "until": (turn.now + timedelta(days=LINK_DAYS)).isoformat()}
    turn.conversation.data = data
    turn.say("account_linked", name=customer.full_name, days=LINK_DAYS)
    await _to_menu(turn)
    from ispbot.flows import self_service  # the feature the customer asked for before linking

    await self_service.open_feature(turn, then)
    return Next("linked")  # the flow has changed, so the engine goes no further


async def _to_menu(turn: Turn) -> None:
    turn.conversation.flow, turn.conversation.state = "menu", "MENU"


ACCOUNT = Flow(
    "account",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "ASK_CUSTOMER_ID": Question(ask_customer_id, read_customer_id, "help_customer_id"),
        "AWAIT_ACCOUNT_OTP": Question(ask_otp, read_otp, "help_otp"),
    },
)
