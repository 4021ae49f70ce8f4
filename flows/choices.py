"""Reading a customer's pick among offered choices.

A reply counts as a choice when it is the button/list id, the number shown in front of it,
or the label typed loosely (case, spacing, small typos). A button from an earlier question
carries that question's prefix in its id and is not applied to the current one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from ispbot.flows.answers import HONORIFICS
from ispbot.providers.messages import Choice, InboundKind, InboundMessage

_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
# Words around a pick as it is chatted: "yang pagi aja", "no 2 kak", "pilih nomor 3 ya".
_BEFORE = {"yang", "yg", "pilih", "nomor", "no", "nomer", "nmr", "pilihan", "mau", "paket", "package", "ambil"}
_AFTER = {"aja", "saja", "deh", "dong", "ya", "yaa"} | HONORIFICS


class StaleChoice(Exception):
    """The customer tapped a button of an earlier question."""


def _normal(text: str) -> str:
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def pick(message: InboundMessage, choices: Sequence[Choice], *, prefix: str) -> Choice | None:
    """The chosen option, None when the reply is not one of them; StaleChoice for a button
    of another question."""
    if message.kind is InboundKind.CHOICE and message.choice_id:
        for choice in choices:
            if choice.id == message.choice_id:
                return choice
        if not message.choice_id.startswith(prefix + ":"):
            raise StaleChoice(message.choice_id)
        return None
    text = message.text
    if number := _NUMBER.match(text) or _NUMBER.match(_bare(text)):
        index = int(number.group(1)) - 1
        return choices[index] if 0 <= index < len(choices) else None
    return _by_label(_normal(text), choices) or _by_label(_bare(text), choices)


def number_said(text: str) -> int | None:
    """The number a reply is, with the words said around a pick: "40", "yg 20", "100 aja kak"."""
    bare = _bare(text)
    return int(bare) if re.fullmatch(r"\d{1,4}", bare) else None


def _bare(text: str) -> str:
    """The pick without the words said around it."""
    words = _normal(text).split()
    while len(words) > 1 and words[0] in _BEFORE:
        words.pop(0)
    while len(words) > 1 and words[-1] in _AFTER:
        words.pop()
    return " ".join(words)


def _by_label(typed: str, choices: Sequence[Choice]) -> Choice | None:
    if not typed:
        return None
    labels = {i: _normal(choice.title) for i, choice in enumerate(choices)}
    for i, label in labels.items():
        if typed == label:
            return choices[i]
    best = process.extractOne(typed, labels, scorer=fuzz.WRatio, score_cutoff=86)
    if best is None:
        return None
    # WRatio scores a label found inside a word as a match ("kab bekasi" took "Kasi", a
    # kecamatan in Papua, from "bekasi"); the words themselves must be alike too.
    if fuzz.token_set_ratio(typed, best[0]) < 70:
        return None
    # Refuse a guess when two labels are about equally close ("Home Gold" vs "Home Bold").
    runner_up = [s for _, s, k in process.extract(typed, labels, scorer=fuzz.WRatio, limit=2) if k != best[2]]
    if runner_up and best[1] - runner_up[0] < 4:
        return None
    return choices[best[2]]


def choice(prefix: str, value: str, title: str, description: str | None = None) -> Choice:
    """A choice whose id says which question it answers: `ASK_PACKAGE:home-gold-75`."""
    return Choice(id=f"{prefix}:{value}", title=title, description=description)


def value_of(picked: Choice) -> str:
    return picked.id.split(":", 1)[1]
