""""lapor" / "gangguan" / "tiket": open a support ticket (category, description, optional
photo, which the ticket-photos job fetches for staff), or follow one of the customer's own
tickets. Status changes staff make in the admin reach the customer by WhatsApp
(webadmin.messaging.notify_ticket_status).

    "lapor", "gangguan", the menu's button: ASK_CATEGORY → ASK_DESCRIPTION → ASK_PHOTO → ticket opened
        (the tickets still open named in one line above the question, so none is reported twice unknowingly;
        "tiket" typed as the description, by a customer who has tickets → TICKET_MENU, their list)
    "tiket" (has tickets) TICKET_MENU ─new→ ASK_CATEGORY → …
                                     └typed with the story ("internet mati sejak pagi…")→ ASK_PHOTO
                              └the story typed at the list→ ASK_PHOTO (or ASK_CATEGORY, when
                                its words name no category)
                              └a ticket→ its status and history
    the story told while a support ticket is still open → ASK_SAME_TICKET
                              ─add→ the story goes into that ticket's history
                              └new→ ASK_PHOTO → ticket opened
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ispbot.flows import account, menu
from ispbot.flows.answers import is_skip
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.engine import Answer, Flow, Next, Question, Retry, Stay
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind
from ispbot.storage import pending_photos, tickets
from ispbot.storage.identity import mask_niks_in
from ispbot.storage.models import Customer, Ticket, TicketEvent

CATEGORIES = {
    "no_internet": ("Internet mati", "No internet"),
    "slow": ("Internet lambat", "Slow internet"),
    "billing": ("Tagihan", "Billing"),
    "other": ("Lainnya", "Something else"),
}
# Words customers use for each problem, slang included ("lemot"), to read the category from
# a story typed at the category question.
STORY_WORDS = {
    "no_internet": ("mati", "putus", "los", "offline", "tidak bisa", "gak bisa", "ga bisa", "nggak bisa",
                    "tidak konek", "gak konek", "no internet", "down", "dead"),
    "slow": ("lambat", "lemot", "lelet", "pelan", "lemah", "lag", "slow", "buffering", "loading lama"),
    "billing": ("tagihan", "bayar", "pembayaran", "invoice", "ditagih", "bill", "billing"),
}
# Words naming an installation or a survey, in a question typed at the list ("status
# instalasi saya gimana?"): that ticket is shown, rather than a new report started.
KIND_WORDS = {
    "installation": ("instalasi", "installasi", "pemasangan", "pasang", "dipasang", "install", "installation"),
    "survey": ("survey", "survei", "surve"),
}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
LISTED = 5
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 1000

STATES = ["TICKET_MENU", "ASK_CATEGORY", "ASK_DESCRIPTION", "ASK_SAME_TICKET", "ASK_PHOTO"]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "new_ticket", "source": "TICKET_MENU", "dest": "ASK_CATEGORY"},
    {"trigger": "story_kept", "source": "TICKET_MENU", "dest": "ASK_CATEGORY"},
    {"trigger": "category_described", "source": "TICKET_MENU", "dest": "ASK_PHOTO"},
    {"trigger": "category_chosen", "source": "ASK_CATEGORY", "dest": "ASK_DESCRIPTION"},
    {"trigger": "category_described", "source": "ASK_CATEGORY", "dest": "ASK_PHOTO"},
    {"trigger": "described", "source": "ASK_DESCRIPTION", "dest": "ASK_PHOTO"},
    {"trigger": "list_asked", "source": "ASK_DESCRIPTION", "dest": "TICKET_MENU"},
    {"trigger": "open_ticket_found", "source": ["TICKET_MENU", "ASK_CATEGORY", "ASK_DESCRIPTION"],
     "dest": "ASK_SAME_TICKET"},
    {"trigger": "new_ticket_wanted", "source": "ASK_SAME_TICKET", "dest": "ASK_PHOTO"},
]


def _draft(turn: Turn) -> dict[str, Any]:
    return TICKETS.draft(turn)


def _remember(turn: Turn, **values: Any) -> None:
    draft = _draft(turn)
    draft.update(values)
    TICKETS.save(turn, draft)


async def own_tickets(turn: Turn, customer_id: int) -> list[Ticket]:
    """The customer's tickets, installation and survey included, the ones still being
    worked on first, then the newest."""
    rows = await turn.session.execute(
        select(Ticket)
        .where(tickets.of_customer(customer_id))
        .order_by(Ticket.status.in_(tickets.ACTIVE).desc(), Ticket.created_at.desc(), Ticket.id.desc())
        .limit(LISTED)
    )
    return list(rows.scalars())


# Words asking for the list of tickets ("tiket saya"), as opposed to a new report ("lapor
# gangguan"): the seed's portal has "Tiket Saya" and "Buat Tiket Baru" apart.
LIST_WORDS = frozenset({"tiket", "tiket saya", "cek tiket", "info tiket", "lihat tiket", "ticket", "tickets",
                        "my tickets"})
OPEN_NAMED = "_open_named"  # in the draft: the tickets still open, as the first question's line names them


async def start(turn: Turn, customer: Customer, *, listing: bool = False) -> None:
    """`listing`: the customer asked for their tickets ("tiket"), shown when they have any;
    otherwise the new report's first question, naming the tickets still being worked on."""
    turn.conversation.flow = TICKETS.name
    TICKETS.save(turn, {"customer_id": customer.id, "_history": []})
    listed = await own_tickets(turn, customer.id)
    if listing and listed:
        await TICKETS.enter(turn, "TICKET_MENU")
        return
    still_open = [_named(turn, t) for t in listed if t.status in tickets.ACTIVE]  # newest first, as listed
    if still_open:
        _remember(turn, **{OPEN_NAMED: still_open})
    await TICKETS.enter(turn, "ASK_CATEGORY")


def _named(turn: Turn, ticket: Ticket) -> dict[str, str]:
    """An open ticket as the new report's first question names it."""
    what = _category_label(turn, ticket.category) if ticket.kind == "support" else ticket.subject[:30]
    return {"number": ticket.ticket_number, "status": status_word(turn, ticket.status), "what": what}


def status_word(turn: Turn, status: str) -> str:
    return turn.render("ticket_status_word", status=status)


def _menu_choices(turn: Turn, listed: list[Ticket]) -> list[Any]:
    new = choice("TICKET_MENU", "new", "Lapor gangguan baru" if turn.locale == "id" else "Report a new problem")
    return [new] + [choice("TICKET_MENU", t.ticket_number, t.ticket_number, _row(turn, t)) for t in listed]


def _row(turn: Turn, ticket: Ticket) -> str:
    """A ticket in the list: its status, the technician's visit while it is open, what it is."""
    visit = ticket.scheduled_at if ticket.status in tickets.ACTIVE else None
    return turn.render("tickets_menu_row", status=status_word(turn, ticket.status), visit=visit,
                       subject=ticket.subject[:40])


async def ask_menu(turn: Turn) -> None:
    listed = await own_tickets(turn, int(_draft(turn)["customer_id"]))
    turn.ask("tickets_menu", _menu_choices(turn, listed), button="Tiket" if turn.locale == "id" else "Tickets",
             tickets=listed, status_word=lambda s: status_word(turn, s))


async def read_menu(turn: Turn) -> Answer:
    listed = await own_tickets(turn, int(_draft(turn)["customer_id"]))
    try:
        picked = pick(turn.message, _menu_choices(turn, listed), prefix="TICKET_MENU")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None and (asked := _asked_about(turn, listed)) is not None:
        return await _show(turn, asked)  # "status instalasi saya gimana?"
    typed_story = picked is None or (value_of(picked) == "new" and _tells_more_than(turn, picked.title))
    if typed_story and (story := _story(turn)):
        # What went wrong, typed at the list ("internet mati sejak pagi, lampu LOS merah"):
        # a new report, as if it had been typed at the category question.
        if (category := _category_in_story(story)) is None:
            _remember(turn, description=story)
            turn.say("ticket_story_kept")
            return Next("story_kept")
        _remember(turn, category=category, description=story)
        return await _described(turn, "category_described")
    if picked is None:
        return await _elsewhere(turn)
    if value_of(picked) == "new":
        return Next("new_ticket")
    number = value_of(picked)
    rows = await turn.session.execute(
        select(Ticket).where(Ticket.ticket_number == number, tickets.of_customer(int(_draft(turn)["customer_id"])))
    )
    ticket = rows.scalar_one_or_none()
    if ticket is None:
        return Retry("choose_one", unreadable=True)
    return await _show(turn, ticket)


def _asked_about(turn: Turn, listed: list[Ticket]) -> Ticket | None:
    """The open installation or survey ticket a question typed at the list names ("kapan
    dipasang?"), when it names no problem (that would be a new report, as would a story
    about an installation long done: "modem baru dipasang, lampunya berkedip")."""
    if turn.message.kind is not InboundKind.TEXT or _category_in_story(turn.text) is not None:
        return None
    words = set(re.findall(r"\w+", turn.text.lower()))
    kinds = {kind for kind, named in KIND_WORDS.items() if words & set(named)}
    found = [t for t in listed if t.kind in kinds and t.status in tickets.ACTIVE]
    return found[0] if len(kinds) == 1 and found else None


async def _show(turn: Turn, ticket: Ticket) -> Answer:
    events = list(
        (await turn.session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.created_at, TicketEvent.id)
        )).scalars()
    )
    turn.say("ticket_detail", ticket=ticket, events=events, status_word=lambda s: status_word(turn, s),
             category=_category_label(turn, ticket.category) if ticket.kind == "support" else None,
             active=ticket.status in tickets.ACTIVE)
    await _finish(turn)
    return Stay()


def _category_label(turn: Turn, key: str | None) -> str:
    names = CATEGORIES.get(key or "other", CATEGORIES["other"])
    return names[1] if turn.locale == "en" else names[0]


def _category_choices(turn: Turn) -> list[Any]:
    return [choice("ASK_CATEGORY", key, _category_label(turn, key)) for key in CATEGORIES]


async def ask_category(turn: Turn) -> None:
    draft = _draft(turn)
    still_open = draft.pop(OPEN_NAMED, None) or []  # once: not again under every reprompt
    TICKETS.save(turn, draft)
    turn.ask("ticket_ask_category", _category_choices(turn), button="Kategori" if turn.locale == "id" else "Category",
             still_open=still_open)


async def read_category(turn: Turn) -> Answer:
    try:
        picked = pick(turn.message, _category_choices(turn), prefix="ASK_CATEGORY")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None and (story := _story(turn)):
        if (category := _category_in_story(story)) is None:
            # A story without a category word ("sudah restart modem tetap …"): kept as the
            # description; only the category is asked again.
            _remember(turn, description=story)
            return Retry("ticket_story_kept")
        _remember(turn, category=category, description=story)
        return await _described(turn, "category_described")
    if picked is None:
        return await _elsewhere(turn)
    _remember(turn, category=value_of(picked))
    if _tells_more_than(turn, picked.title):
        _remember(turn, description=turn.text)
        return await _described(turn, "category_described")
    if _draft(turn).get("description"):  # told before the category was picked
        return await _described(turn, "category_described")
    return Next("category_chosen")


def _story(turn: Turn) -> str | None:
    """The text, when it reads as a description of the problem (three words or more) and is
    not a menu word the customer typed to go elsewhere."""
    text = turn.text
    if turn.message.kind is not InboundKind.TEXT or menu.intent(text) is not None:
        return None
    if len(text.split()) < 3 or not DESCRIPTION_MIN <= len(text) <= DESCRIPTION_MAX:
        return None
    return text


def _category_in_story(story: str) -> str | None:
    """The one category whose words the story uses; None for none or several."""
    plain = " " + " ".join(re.findall(r"\w+", story.lower())) + " "
    found = {key for key, words in STORY_WORDS.items() if any(f" {word} " in plain for word in words)}
    return found.pop() if len(found) == 1 else None


def _tells_more_than(turn: Turn, category: str) -> bool:
    """A category typed together with the story ("internet mati sejak pagi, lampu LOS
    merah") is the description too: the customer is not asked to type it again."""
    text = turn.text
    return (
        turn.message.kind is InboundKind.TEXT
        and DESCRIPTION_MIN <= len(text) <= DESCRIPTION_MAX
        and len(text.split()) >= len(category.split()) + 2
    )


async def ask_description(turn: Turn) -> None:
    turn.say("ticket_ask_description", category=_category_label(turn, _draft(turn).get("category")))


async def read_description(turn: Turn) -> Answer:
    if await menu.leave_for_menu_word(turn, TICKETS, "ticket"):  # "tagihan" alone: not a story
        return Stay()
    text = turn.text
    if " ".join(text.lower().split()) in LIST_WORDS:  # "tiket": their tickets, not a fault in one word
        if await own_tickets(turn, int(_draft(turn)["customer_id"])):
            return Next("list_asked")
        return Retry("ticket_no_tickets_yet")
    if turn.message.kind is not InboundKind.TEXT or not DESCRIPTION_MIN <= len(text) <= DESCRIPTION_MAX:
        return Retry("ticket_bad_description", {"max": DESCRIPTION_MAX})
    _remember(turn, description=text)
    return await _described(turn, "described")


async def _open_support_ticket(turn: Turn) -> Ticket | None:
    """The customer's newest support ticket that staff are still working on."""
    rows = await turn.session.execute(
        select(Ticket)
        .where(tickets.of_customer(int(_draft(turn)["customer_id"])), Ticket.kind == "support",
               Ticket.status.in_(tickets.ACTIVE))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def _described(turn: Turn, trigger: str) -> Answer:
    """The problem is told: on to the photo, unless a ticket is still open. "internet mati"
    again the next day is most often the same fault: a second ticket for it splits the
    story between two technicians, so the customer is asked first."""
    if (open_ticket := await _open_support_ticket(turn)) is None:
        return Next(trigger)
    _remember(turn, open_ticket=open_ticket.ticket_number)
    return Next("open_ticket_found")


async def _same_ticket(turn: Turn) -> Ticket | None:
    """The open ticket asked about, while it is still open."""
    found = await _open_support_ticket(turn)
    return found if found is not None and found.ticket_number == _draft(turn).get("open_ticket") else None


def _same_choices(turn: Turn) -> list[Any]:
    if turn.locale == "en":
        return [choice("ASK_SAME_TICKET", "add", "Add to that ticket"), choice("ASK_SAME_TICKET", "new", "Open a new ticket")]
    return [choice("ASK_SAME_TICKET", "add", "Tambahkan ke tiket"), choice("ASK_SAME_TICKET", "new", "Buat tiket baru")]


async def ask_same_ticket(turn: Turn) -> None:
    ticket = await _same_ticket(turn)
    if ticket is None:  # closed by staff meanwhile: nothing to add to
        await TICKETS.enter(turn, "ASK_PHOTO")
        return
    turn.ask("ticket_ask_same", _same_choices(turn), ticket=ticket, status=status_word(turn, ticket.status),
             category=_category_label(turn, ticket.category))


async def read_same_ticket(turn: Turn) -> Answer:
    try:
        picked = pick(turn.message, _same_choices(turn), prefix="ASK_SAME_TICKET")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None:
        return await _elsewhere(turn)
    ticket = await _same_ticket(turn)
    if value_of(picked) == "new" or ticket is None:
        return Next("new_ticket_wanted")
    # in the ticket's history, for staff, who work in Indonesian
    note = turn.messages.render("id", "ticket_customer_note", description=_draft(turn).get("description") or "")
    await tickets.add_customer_note(turn.session, ticket, note, now=turn.now)
    turn.say("ticket_info_added", ticket=ticket)
    await _finish(turn)
    return Stay()


async def ask_photo(turn: Turn) -> None:
    turn.say("ticket_ask_photo")


async def read_photo(turn: Turn) -> Answer:
    media = turn.message.media
    if turn.message.kind is InboundKind.IMAGE and media is not None:
        if media.mime_type and media.mime_type.split(";")[0] not in PHOTO_TYPES:
            return Retry("ticket_bad_photo")
        # fetched from the gateway and stored privately by the ticket-photos job
        photo = await pending_photos.marker(turn.session, turn.message.provider, media.media_id or media.url or "",
                                            turn.now)
        return await _open(turn, photo)
    if is_skip(turn.text):
        return await _open(turn, None)
    return Retry("ticket_bad_photo")


async def _open(turn: Turn, photo: str | None) -> Answer:
    draft = _draft(turn)
    category = draft.get("category") or "other"
    description = str(draft.get("description") or "")
    # The subject is cut from the description: masked first, so no NIK is cut in two
    # halves that no longer read as one (lists show the subject; the description is masked).
    ticket = await tickets.open_ticket(
        turn.session, kind="support", now=turn.now, timezone=turn.settings.tz,
        subject=f"{CATEGORIES[category][0]}: {mask_niks_in(description)[:60]}", description=description,
        category=category,
        customer_id=int(draft["customer_id"]), contact_phone=turn.contact.phone, created_via="whatsapp", photo=photo,
    )
    turn.say("ticket_opened", ticket=ticket, category=_category_label(turn, category), with_photo=photo is not None)
    await _finish(turn)
    return Stay()


async def _elsewhere(turn: Turn) -> Answer:
    """Not one of the choices: a menu word is done instead; anything else is asked again."""
    if await menu.leave_for_menu_word(turn, TICKETS, "ticket"):
        return Stay()
    return Retry("choose_one", unreadable=True)


async def _finish(turn: Turn) -> None:
    TICKETS.drop(turn)
    await menu.finish_flow(turn, TICKETS.name)


TICKETS = Flow(
    "tickets",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "TICKET_MENU": Question(ask_menu, read_menu, "help_tickets"),
        "ASK_CATEGORY": Question(ask_category, read_category, "help_tickets"),
        "ASK_DESCRIPTION": Question(ask_description, read_description, "help_ticket_description", free_text=True),
        "ASK_SAME_TICKET": Question(ask_same_ticket, read_same_ticket, "help_tickets"),
        "ASK_PHOTO": Question(ask_photo, read_photo, "help_ticket_photo"),
    },
    # every step for the customer this chat may still see (a lapsed link changes nothing)
    guard=lambda turn: account.still_acting_for(turn, TICKETS, then="ticket"),
)
