"""A package named the way customers name one at "pilih paket": not a row number or a speed
(flows/registration.py reads those first) but "yg paling murah", "paling cepat", a price
("rp 199.900", "199rb") or a name misspelt ("bronz").

Each reader returns the one package meant, or None when the words name none or several;
`said_price` and `said_speed` tell the caller a price or a speed was named that no package
has, so the customer can be told the prices or speeds there are instead of "that package
does not exist".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from ispbot.flows.answers import HONORIFICS
from ispbot.storage.models import Package

# Said around the words that matter: "yg paling murah aja kak", "mau paket yang tercepat".
_AROUND = {"yg", "yang", "paket", "pilih", "ambil", "mau", "saya", "sy", "aku", "aja", "saja", "dong", "deh", "ya",
           "yaa", "nya", "the", "one", "package", "plan", "i", "want", "please"} | HONORIFICS
CHEAPEST = {"murah", "termurah", "paling murah", "murah aja", "hemat", "paling hemat", "terhemat", "cheapest",
            "cheap", "murmer", "paling murmer"}
FASTEST = {"cepat", "tercepat", "paling cepat", "kencang", "paling kencang", "terkencang", "ngebut",
           "paling ngebut", "fastest", "fast", "paling tinggi", "tertinggi"}
PRICIEST = {"mahal", "termahal", "paling mahal", "most expensive"}
PRICE_SPREAD = 0.12  # a price said this far from a package's still names it ("200rb" → Rp 199.900)
NAME_MATCH = 80  # rapidfuzz ratio: "bronz" ~ "bronze", "silfer" ~ "silver"

_RUPIAH = re.compile(r"\brp\.?\s*(\d[\d.,]*)")
_THOUSANDS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(rb|ribu|rebu|k|jt|juta)\b")
_GROUPED = re.compile(r"\b\d{1,3}(?:[.,]\d{3})+\b")  # 199.900
_WORD = re.compile(r"[a-z]+")
# "75 mbps", "yg 40mb", "100 mega", "20m"; and at the summary "ganti paket jadi 75".
_SPEED = re.compile(r"(\d{1,4})\s*(?:m|mb|mbps|mega|megabit|megabits)\b", re.IGNORECASE)
_PACKAGE_THEN_NUMBER = re.compile(
    r"\b(?:paket|paketnya|package|plan)\b\D{0,15}?\b(\d{1,4})\b(?![.,]\d)(?!\s*(?:rb|ribu|rebu|k|jt|juta)\b)",
    re.IGNORECASE)
LIST_ROWS = 10  # a bare number up to this may be a row of the list ("paket 2"), not a speed


def _said(text: str) -> str:
    words = _WORD.findall(text.lower())
    return " ".join(w for w in words if w not in _AROUND)


def by_rank(text: str, packages: Sequence[Package]) -> Package | None:
    """The cheapest, fastest or priciest package, when that is all the reply says."""
    said = _said(text)
    if not packages or not said or re.search(r"\d", text):
        return None
    if said in CHEAPEST:
        return min(packages, key=lambda p: (p.monthly_price, -p.speed_mbps))
    if said in FASTEST:
        return max(packages, key=lambda p: (p.speed_mbps, -p.monthly_price))
    if said in PRICIEST:
        return max(packages, key=lambda p: (p.monthly_price, p.speed_mbps))
    return None


def said_speed(text: str, *, after_package_word: bool = False) -> int | None:
    """The speed in Mbps a reply names with its unit ("ganti paket jadi 75 mbps" → 75);
    `after_package_word`: also a bare number after "paket" ("paket 75") too large to be a
    row of the list (at the summary, where the package list is not on screen)."""
    if found := _SPEED.search(text):
        return int(found[1])
    if after_package_word and (found := _PACKAGE_THEN_NUMBER.search(text)) and int(found[1]) > LIST_ROWS:
        return int(found[1])
    return None


def by_speed(speed: int, packages: Sequence[Package]) -> Package | None:
    """The one package of that speed; None when no package, or several, have it."""
    fits = [p for p in packages if p.speed_mbps == speed]
    return fits[0] if len(fits) == 1 else None


def speeds(packages: Sequence[Package]) -> list[int]:
    """The speeds there are, slowest first, each once."""
    return sorted({p.speed_mbps for p in packages})


def said_price(text: str) -> int | None:
    """The monthly price in Rupiah a reply names: "rp 199.900", "199rb", "200 ribu", "199.900"."""
    plain = text.lower()
    if found := _THOUSANDS.search(plain):
        amount = float(found[1].replace(",", "."))
        return round(amount * (1_000_000 if found[2] in ("jt", "juta") else 1000))
    if found := _RUPIAH.search(plain) or _GROUPED.search(plain):
        digits = re.sub(r"[.,]", "", found[1] if found.re is _RUPIAH else found[0])
        return int(digits) if digits else None
    return None


def by_price(text: str, packages: Sequence[Package]) -> Package | None:
    """The package whose price is nearest the one said, if it is near enough to be meant."""
    price = said_price(text)
    if price is None or not packages:
        return None
    nearest = min(packages, key=lambda p: abs(p.monthly_price - price))
    return nearest if abs(nearest.monthly_price - price) <= PRICE_SPREAD * nearest.monthly_price else None


def by_name(text: str, packages: Sequence[Package]) -> Package | None:
    """The one package whose own name word ("Bronze", "Platinum") the reply spells closely:
    "bronz", "silfer", "plat". Words all packages share ("Home") tell nothing."""
    names = {p.id: {w for w in _WORD.findall(p.name.lower()) if len(w) >= 4} for p in packages}
    shared = set.intersection(*names.values()) if names else set()
    typed = [w for w in _said(text).split() if len(w) >= 4]
    found = {
        p.id
        for p in packages
        for own in names[p.id] - shared
        for word in typed
        if own.startswith(word) or fuzz.ratio(word, own) >= NAME_MATCH
    }
    return next((p for p in packages if p.id in found), None) if len(found) == 1 else None
