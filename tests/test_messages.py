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
