"""Every message exists in Indonesian and English and renders Rupiah and dates the
Indonesian way; customer text is passed in as data, never compiled as a template."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from ispbot.messages import Messages, rupiah


def test_every_template_has_its_twin() -> None:
    messages = Messages(ZoneInfo("Asia/Jakarta"))
    assert messages.names("id") == messages.names("en")
    assert len(messages.names("id")) > 80


def test_rupiah_and_indonesian_dates() -> None:
    assert rupiah(199900) == "Rp 199.900"
    assert rupiah(1_250_000) == "Rp 1.250.000"
    messages = Messages(ZoneInfo("Asia/Jakarta"))
    assert messages.date(date(2026, 11, 23), "id") == "Senin, 23 November 2026"


def test_customer_text_is_never_interpreted_as_a_template() -> None:
    messages = Messages(ZoneInfo("Asia/Jakarta"))
    text = messages.render("id", "reg_ask_email", name="{{ 7*7 }} {% raw %}")
    assert "{{ 7*7 }} {% raw %}" in text and "49" not in text


def test_english_messages_name_english_command_words() -> None:
    """'Type *tagihan*' in an English message: the words work in both languages, but an
    English reader does not know them."""
    import re
    from importlib.resources import files

    from ispbot.flows.menu import KEYWORDS
    from ispbot.flows.router import COMMANDS

    english = {"menu", "faq", "status", "cs", "admin", "dashboard", "invoice", "invoices", "register", "ticket",
               "tickets", "profile", "account", "billing", "track", "logout", "back", "cancel", "help", "language"}
    indonesian = ({word for words in KEYWORDS.values() for word in words} | set(COMMANDS)) - english
    assert "tagihan" in indonesian and "kembali" in indonesian
    named = []
    for template in files("ispbot.messages").joinpath("en").iterdir():
        for word in re.findall(r"\*([^*\n]+)\*", template.read_text()):
            if word.lower() in indonesian:
                named.append(f"{template.name}: *{word}*")
    assert named == []
