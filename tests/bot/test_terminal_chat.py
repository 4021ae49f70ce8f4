"""`ispbot chat` prints a bot message as a phone without buttons would show it."""

from __future__ import annotations

import pytest

from ispbot.terminal_chat import _show


def test_a_choice_whose_description_repeats_its_title_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    _show({"direction": "out", "text": "Pilih yang paling sesuai:", "choices": [
        {"title": "Bagaimana cara membayar tagihan?", "description": "Bagaimana cara membayar tagihan?"},
        {"title": "Home Silver 40M", "description": "40 Mbps · Rp 199.900/bulan"},
    ]})
    printed = capsys.readouterr().out
    assert "[1] Bagaimana cara membayar tagihan?\n" in printed
    assert "[2] Home Silver 40M — 40 Mbps · Rp 199.900/bulan" in printed
