"""Where each inbound message goes. Until the conversation flows land, every Indonesian
contact gets the main menu; foreign numbers get a polite answer."""

from __future__ import annotations

from ispbot.flows.turn import Turn
from ispbot.providers.messages import Choice


def main_menu_choices(locale: str) -> list[Choice]:
    if locale == "en":
        titles = ["Register", "Check status", "Invoices", "Support ticket", "My profile", "FAQ", "Talk to CS"]
    else:
        titles = ["Daftar baru", "Cek status", "Tagihan", "Tiket gangguan", "Profil saya", "FAQ", "Hubungi CS"]
    ids = ["register", "status", "invoices", "ticket", "profile", "faq", "cs"]
    return [Choice(id=f"menu:{i}", title=t) for i, t in zip(ids, titles, strict=True)]


async def handle(turn: Turn) -> None:
    if not turn.contact.is_indonesian:
        turn.say("foreign_number")
        return
    turn.ask(
        "menu",
        main_menu_choices(turn.locale),
        button="Menu",
        name=turn.contact.name,
    )
