"""The FAQ: seeded from `data/faq_id.json`, browsed by category, and searched with a
typo-tolerant Indonesian matcher.

`search` is a pure function over entries the caller has loaded (`active_entries`, once
per process or per turn): each word of the question is normalised (slang such as `gmn`,
`brp`, `gak`, `inet`; `-nya`; repeated letters), matched against the words of each
entry's question and keywords (exact, same stem, or a typo away, via rapidfuzz), and
weighted by how rare it is among the entries, so `lama` in "pasang baru brp lama" counts
for more than `pasang`. Nothing above the threshold → [] (the bot offers CS instead).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import FaqEntry

SEED_FILE = "faq_id.json"
THRESHOLD = 65.0  # 0–100; below it an entry does not answer the question
SPREAD = 15.0  # matches more than this below the best one are left out
# A long message ("mau tanya internet di rumah saya sering putus putus terutama malam hari,
# padahal tagihan sudah saya bayar…") is scored on its best run of this many words: the
# question sits somewhere in the story, and the rest of the story would dilute it.
WINDOW = 6
WINDOW_THRESHOLD = 75.0  # what such a run must score: higher than a whole message, as a run is chosen
LIGHT = 0.3  # the weight of question words and other light words (LIGHT_WORDS)
WORD_MATCH = 84  # a typo: one letter missing, or one wrong in a word of 7 letters or more
# Indonesian affixes around a root: me-/pe- with their nasal forms, ber-, ter-, di-, …
PREFIXES = frozenset(
    {"", "me", "mem", "men", "meng", "meny", "pe", "pem", "pen", "peng", "peny", "per",
     "ber", "be", "ter", "di", "dipe", "diper", "ke", "se", "memper"}
)
SUFFIXES = frozenset({"", "nya", "an", "kan", "i", "in", "lah", "kah", "ku", "mu"})

SLANG = {
    "gmn": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana", "gmana": "bagaimana",
    "gmna": "bagaimana", "bagaimanakah": "bagaimana", "caranya": "cara", "gini": "begini",
    "bs": "bisa", "bsa": "bisa", "bisakah": "bisa", "tdk": "tidak", "gak": "tidak",
    "ga": "tidak", "gk": "tidak", "ngga": "tidak", "nggak": "tidak", "enggak": "tidak",
    "engga": "tidak", "kagak": "tidak", "ndak": "tidak", "tak": "tidak",
    "inet": "internet", "wf": "wifi", "brp": "berapa", "brapa": "berapa",
    "berapakah": "berapa", "byr": "bayar", "bayarnya": "bayar", "tagihn": "tagihan",
    "wa": "whatsapp", "whatsap": "whatsapp", "watsap": "whatsapp", "wasap": "whatsapp",
    "no": "nomor", "nmr": "nomor", "nomer": "nomor", "pw": "password", "pass": "password",
    "passwd": "password", "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah",
    "blm": "belum", "blum": "belum", "knp": "kenapa", "napa": "kenapa", "ngapa": "kenapa",
    "mengapa": "kenapa", "kpn": "kapan", "dmn": "dimana", "dmana": "dimana", "skrg": "sekarang",
    "psg": "pasang", "pasng": "pasang", "psng": "pasang", "psang": "pasang", "masang": "pasang", "lmbt": "lambat", "lemod": "lemot", "lelet": "lemot",
    "bln": "bulan", "tgl": "tanggal", "gnti": "ganti", "ubh": "ubah", "connect": "konek",
    "lg": "lagi",
}
# Filler words: greetings, pronouns, particles; dropped from questions and entries alike.
STOPWORDS = frozenset(
    {
        "saya", "aku", "gue", "gw", "sy", "aq", "kami", "kita", "anda", "kamu", "mau", "ingin",
        "pengen", "pgn", "min", "mimin", "kak", "ka", "kakak", "gan", "bang", "pak", "bu", "mas",
        "mbak", "halo", "hallo", "hai", "hi", "selamat", "pagi", "siang", "sore", "malam", "tanya",
        "nanya", "bertanya", "mohon", "tolong", "tlg", "info", "dong", "donk", "deh", "sih", "nih",
        "ya", "yah", "kok", "kan", "lah", "kah", "ini", "itu", "yang", "yg", "di", "ke", "dari",
        "dan", "atau", "untuk", "utk", "buat", "dengan", "dgn", "ada", "apa", "apakah", "juga",
        "jg", "lagi", "pada", "nya", "terima", "kasih", "makasih", "thanks", "tq", "adalah",
        "sama", "aja", "saja", "banget", "bgt", "bngt", "sekali", "amat", "parah", "bener",
        "beneran", "tp", "tapi", "kalo", "kalau", "gitu", "begitu", "terus", "kena", "cuma",
        "hanya", "lebih", "pakai", "pake", "permisi", "padahal", "terutama", "dibantu", "bantu", "bantuannya",
        "soalnya", "sebenarnya", "sebetulnya",
    }
)
# Words that shape a question but do not say what it is about: they count a little.
LIGHT_WORDS = frozenset(
    {"bagaimana", "kenapa", "berapa", "kapan", "dimana", "mana", "cara", "bisa", "tidak",
     "sudah", "belum", "harus", "boleh", "perlu", "begini"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATED = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")


class FaqLike(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def keywords(self) -> str: ...


E = TypeVar("E", bound=FaqLike)


@dataclass(frozen=True)
class FaqSeed:
    """One entry of the seed file."""

    category: str
    question: str
    answer: str
    keywords: str  # comma-separated, as stored in FaqEntry.keywords


@dataclass(frozen=True)
class Match(Generic[E]):
    entry: E
    score: float  # 0–100


# --- storage ---------------------------------------------------------------------------


def load_seed(name: str = SEED_FILE) -> list[FaqSeed]:
    """The shipped FAQ entries, in their file order."""
    text = (resources.files("ispbot.storage") / "data" / name).read_text(encoding="utf-8")
    return [
        FaqSeed(
            category=item["category"].strip(),
            question=item["question"].strip(),
            answer=item["answer"].strip(),
            keywords=", ".join(k.strip() for k in item["keywords"]),
        )
        for item in json.loads(text)
    ]


async def seed_faq(session: AsyncSession, now: datetime) -> int:
    """Add the shipped entries whose question is not stored yet; returns how many."""
    existing = set((await session.execute(select(FaqEntry.question))).scalars())
    start = (await session.execute(select(func.max(FaqEntry.sort_order)))).scalar_one() or 0
    added = 0
    for order, seed in enumerate(load_seed(), start=start + 1):
        if seed.question in existing:
            continue
        session.add(
            FaqEntry(
                category=seed.category,
                question=seed.question,
                answer=seed.answer,
                keywords=seed.keywords,
                sort_order=order,
                is_active=True,
                updated_at=now,
            )
        )
        existing.add(seed.question)
        added += 1
    await session.flush()
    return added


async def categories(session: AsyncSession) -> list[str]:
    """The categories of the active entries, in display order."""
    rows = await session.execute(
        select(FaqEntry.category)
        .where(FaqEntry.is_active.is_(True))
        .group_by(FaqEntry.category)
        .order_by(func.min(FaqEntry.sort_order), FaqEntry.category)
    )
    return list(rows.scalars())


async def in_category(session: AsyncSession, category: str) -> list[FaqEntry]:
    rows = await session.execute(
        select(FaqEntry)
        .where(FaqEntry.is_active.is_(True), FaqEntry.category == category)
        .order_by(FaqEntry.sort_order, FaqEntry.id)
    )
    return list(rows.scalars())


async def active_entries(session: AsyncSession) -> list[FaqEntry]:
    """Every active entry, for `search`."""
    rows = await session.execute(
        select(FaqEntry).where(FaqEntry.is_active.is_(True)).order_by(FaqEntry.sort_order, FaqEntry.id)
    )
    return list(rows.scalars())


# --- search ----------------------------------------------------------------------------


def search(
    entries: Sequence[E],
    text: str,
    limit: int = 3,
    *,
    threshold: float = THRESHOLD,
    spread: float = SPREAD,
) -> list[Match[E]]:
    """The entries that answer `text`, best first; [] when none fits.

    An entry's score (0–100) combines how much of the question it covers (each word
    weighted by its rarity) with how much it says: matching only a common word such as
    `internet` is not enough on its own, one specific word (`lemot`, `fup`) is."""
    words = normalise(text)
    if not words or not entries:
        return []
    vocabularies = [_vocabulary(e.category, e.question, e.keywords) for e in entries]
    similarity = [[_best(word, vocabulary) for vocabulary in vocabularies] for word in words]
    weights = [
        _rarity(row, len(entries)) * (LIGHT if word in LIGHT_WORDS else 1.0)
        for word, row in zip(words, similarity, strict=True)
    ]
    ranked = _ranked(entries, words, weights, similarity, threshold)
    if not ranked and len(words) > WINDOW:
        # A long message no entry covers as a whole: its best run of WINDOW words, scored
        # for every entry alike (the rest of the story does not bring in other entries),
        # answers when it fits clearly; a run of chatter rarely reaches that bar.
        runs = (_ranked(entries, words[i : i + WINDOW], weights[i : i + WINDOW], similarity[i : i + WINDOW],
                        max(threshold, WINDOW_THRESHOLD)) for i in range(len(words) - WINDOW + 1))
        ranked = max(runs, key=lambda found: found[0][0] if found else 0.0)
    if not ranked:
        return []
    best = ranked[0][0]
    return [r[3] for r in ranked if r[0] >= best - spread][:limit]


def _ranked(
    entries: Sequence[E], words: tuple[str, ...], weights: list[float], similarity: list[list[float]], threshold: float
) -> list[tuple[float, float, int, Match[E]]]:
    """The entries scoring at least `threshold` on `words`, best first."""
    specific = math.log((len(entries) + 1) / 2.5)  # a word that at most two entries know
    ranked: list[tuple[float, float, int, Match[E]]] = []
    for index, entry in enumerate(entries):
        matched = sum(w * row[index] for w, row in zip(weights, similarity, strict=True))
        coverage = matched / sum(weights)
        score = round(100 * math.sqrt(coverage * min(1.0, matched / specific)), 1)
        if score >= threshold:
            ranked.append((score, _precision(words, entry.question), -index, Match(entry, score)))
    ranked.sort(key=lambda r: r[:3], reverse=True)
    return ranked


def _precision(words: tuple[str, ...], question: str) -> float:
    """Tie-break: the share of the entry's question that the text covers."""
    own = normalise(question)
    return sum(1 for w in own if any(_similar(w, q) for q in words)) / max(len(own), 1)


@lru_cache(maxsize=8192)
def normalise(text: str) -> tuple[str, ...]:
    """Lower-case, unaccented, punctuation-free words with slang expanded and filler
    words removed: "Gmn cara bayarnya, kak??" → ("bagaimana", "cara", "bayar")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("wi-fi", "wifi").replace("wi fi", "wifi").replace("e-mail", "email")
    text = _NON_WORD.sub(" ", text)
    text = _REDUPLICATED.sub(r"\1 \1", _REPEATED.sub(r"\1", text))
    words = []
    for raw in text.split():
        word = SLANG.get(raw, raw)
        if word in STOPWORDS or word.isdigit():
            continue
        if word.endswith("nya") and len(word) >= 6:  # tagihannya → tagihan
            word = SLANG.get(word[:-3], word[:-3])
        words.append(word)
    return tuple(words)


@lru_cache(maxsize=4096)
def _vocabulary(category: str, question: str, keywords: str) -> frozenset[str]:
    return frozenset(normalise(f"{category} {question} {keywords.replace(',', ' ')}"))


@lru_cache(maxsize=65536)
def _similar(word: str, other: str) -> float:
    """0–1: the same word, the same root with Indonesian affixes (bayar ~ membayar ~
    pembayaran, cara ~ caranya) or a typo away (tagihan ~ tgihan)."""
    if word == other:
        return 1.0
    short, long = sorted((word, other), key=len)
    if len(short) >= 4 and _affixed(short, long):
        return 0.9
    if len(short) < 4:
        return 0.0
    ratio = fuzz.ratio(word, other)
    return ratio / 100 if ratio >= WORD_MATCH else 0.0


def _affixed(root: str, word: str) -> bool:
    start = word.find(root)
    if start < 0:
        return False
    prefix, suffix = word[:start], word[start + len(root) :]
    return prefix in PREFIXES and suffix in SUFFIXES


def _best(word: str, vocabulary: frozenset[str]) -> float:
    return max((_similar(word, other) for other in vocabulary), default=0.0)


def _rarity(row: list[float], count: int) -> float:
    """How much a word tells entries apart: rare words weigh more (inverse document
    frequency). A word no entry knows weighs half as much as a word one entry knows:
    one stray word ("banget") does not sink a good match, but a question made mostly of
    unknown words matches nothing."""
    frequency = sum(1 for value in row if value > 0)
    if frequency == 0:
        return 0.5 * math.log((count + 1) / 1.5)
    return math.log((count + 1) / (frequency + 0.5))
