""""faq" / "tanya": browse the answers by category, or type a question. A question is
matched in Indonesian, tolerant of typos, slang and word order (storage.faq.search); the
best answers are offered, and CS when nothing fits. A question typed at the main menu
that the menu does not understand is tried here too.

    FAQ_CATEGORY ─category→ FAQ_QUESTION ─question→ the answer
                 └typed question→ one fit: the answer · several: FAQ_QUESTION · none: offer CS
"""

from __future__ import annotations

from typing import Any

from ispbot.flows import menu
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.engine import Answer, Flow, Next, Question, Retry, Stay
from ispbot.flows.turn import Turn
from ispbot.office_hours import in_english
from ispbot.providers.messages import InboundKind
from ispbot.storage import faq, registrations
from ispbot.storage.models import FaqEntry

MAX_ROWS = 10  # a WhatsApp list holds ten rows

STATES = ["FAQ_CATEGORY", "FAQ_QUESTION"]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "category_chosen", "source": "FAQ_CATEGORY", "dest": "FAQ_QUESTION"},
]


async def start(turn: Turn, question: str = "") -> None:
    turn.conversation.flow = FAQ.name
    FAQ.save(turn, {"_history": []})
    if question:
        turn.conversation.state = "FAQ_CATEGORY"
        await answer_question(turn, question)
        return
    await FAQ.enter(turn, "FAQ_CATEGORY")


async def matches(turn: Turn, text: str) -> list[FaqEntry]:
    return [m.entry for m in faq.search(await faq.active_entries(turn.session), text, limit=3)]


async def answer_question(turn: Turn, text: str) -> None:
    """Answer a typed question: the answer, a choice of the close ones, or CS."""
    found = await matches(turn, text)
    if len(found) == 1:
        await _show(turn, found[0])
        return
    if not found:
        turn.say("faq_no_match", typed=text[:60])
        await _finish(turn)
        return
    draft = FAQ.draft(turn)
    draft["offered"] = [entry.id for entry in found]
    draft.pop("category", None)
    FAQ.save(turn, draft)
    turn.conversation.state = "FAQ_QUESTION"
    turn.ask("faq_did_you_mean", _entry_choices(found), button="Jawaban" if turn.locale == "id" else "Answers")


PACKAGES_PLACEHOLDER = "[daftar paket]"  # in an answer: the packages and prices of today
# In an answer, what the ISP's settings say today: staff write the placeholder once instead
# of copying hours or a number into answers that go stale when the setting changes.
HOURS_PLACEHOLDER = "[jam kerja cs]"
PHONE_PLACEHOLDER = "[nomor cs]"
ISP_PLACEHOLDER = "[nama isp]"


async def _filled(turn: Turn, answer: str) -> str:
    """The answer with its placeholders replaced by today's packages and settings. With no
    active package (none set up yet, or all deactivated) the list is no empty line: the
    customer is told it is being updated and offered CS, as the registration's package
    question does."""
    if PACKAGES_PLACEHOLDER in answer:
        from ispbot.messages import rupiah

        per_month = "/month" if turn.locale == "en" else "/bulan"
        listing = "\n".join(f"• {p.name} — {p.speed_mbps} Mbps · {rupiah(p.monthly_price)}{per_month}"
                            for p in await registrations.packages(turn.session))
        answer = answer.replace(PACKAGES_PLACEHOLDER, listing or turn.render("faq_no_packages"))
    settings = turn.settings
    hours = in_english(settings.office_hours) if turn.locale == "en" else settings.office_hours
    return (answer.replace(HOURS_PLACEHOLDER, hours)
            .replace(PHONE_PLACEHOLDER, settings.cs_phone).replace(ISP_PLACEHOLDER, settings.isp_name))


async def _show(turn: Turn, entry: FaqEntry) -> None:
    answer = await _filled(turn, entry.answer)
    if turn.locale == "en":  # the answers are written once, in Indonesian: said so, with where to ask in English
        turn.say("faq_answer_in_indonesian")
    turn.say("faq_answer", entry=entry, answer=answer)
    turn.conversation.flow, turn.conversation.state = "menu", "MENU"
    FAQ.drop(turn)


async def _finish(turn: Turn) -> None:
    FAQ.drop(turn)
    await menu.finish_flow(turn, FAQ.name)


# -- categories ------------------------------------------------------------------------------


async def _category_choices(turn: Turn) -> list[Any]:
    return [choice("FAQ_CATEGORY", str(i), name[:24]) for i, name in enumerate(await faq.categories(turn.session))]


async def ask_category(turn: Turn) -> None:
    turn.ask("faq_categories", await _category_choices(turn), button="Kategori" if turn.locale == "id" else "Topics")


async def read_category(turn: Turn) -> Answer:
    if await menu.leave_for_menu_word(turn, FAQ, "faq"):  # before the fuzzy pick: "tagihan" is the command
        return Stay()
    try:
        picked = pick(turn.message, await _category_choices(turn), prefix="FAQ_CATEGORY")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is not None:
        names = await faq.categories(turn.session)
        index = int(value_of(picked))
        if index < len(names):
            draft = FAQ.draft(turn)
            draft["category"] = names[index]
            draft.pop("offered", None)
            FAQ.save(turn, draft)
            return Next("category_chosen")
    return await _typed(turn)


async def _typed(turn: Turn) -> Answer:
    if turn.message.kind is not InboundKind.TEXT or len(turn.text) < 3:
        return Retry("faq_type_question", unreadable=True)
    await answer_question(turn, turn.text)
    return Stay()


# -- questions -------------------------------------------------------------------------------


def _entry_choices(entries: list[FaqEntry]) -> list[Any]:
    return [
        choice("FAQ_QUESTION", str(entry.id), entry.question, entry.question[:72] if len(entry.question) > 24 else None)
        for entry in entries[:MAX_ROWS]
    ]


async def _offered(turn: Turn) -> list[FaqEntry]:
    draft = FAQ.draft(turn)
    if draft.get("category"):
        return await faq.in_category(turn.session, draft["category"])
    wanted = [int(i) for i in draft.get("offered") or []]
    entries = {e.id: e for e in await faq.active_entries(turn.session) if e.id in wanted}
    return [entries[i] for i in wanted if i in entries]


async def ask_question(turn: Turn) -> None:
    entries = await _offered(turn)
    turn.ask("faq_questions", _entry_choices(entries), button="Pertanyaan" if turn.locale == "id" else "Questions",
             category=FAQ.draft(turn).get("category", ""), entries=entries[:MAX_ROWS])


async def read_question(turn: Turn) -> Answer:
    if await menu.leave_for_menu_word(turn, FAQ, "faq"):  # "status" is the command, not "how to check status?"
        return Stay()
    entries = await _offered(turn)
    try:
        picked = pick(turn.message, _entry_choices(entries), prefix="FAQ_QUESTION")
    except StaleChoice:
        return Retry("stale_choice")
    if picked is not None:
        chosen = next((e for e in entries if str(e.id) == value_of(picked)), None)
        if chosen is not None:
            await _show(turn, chosen)
            return Stay()
    return await _typed(turn)


FAQ = Flow(
    "faq",
    states=STATES,
    transitions=TRANSITIONS,
    questions={
        "FAQ_CATEGORY": Question(ask_category, read_category, "help_faq"),
        "FAQ_QUESTION": Question(ask_question, read_question, "help_faq"),
    },
)
