"""The compact in-memory index behind `ispbot.storage.regions` (internal: use that module).

The shipped `data/wilayah/*.csv.gz` are read once per process, on first use, into flat
arrays: region codes as sorted 10-digit integers (`32.73.07.1004` → 3273071004, so every
region's descendants are one contiguous slice), all names in one UTF-8 blob with offsets, the
village postcodes, and a hash index of normalised names for exact look-ups. Only a few
megabytes, and no per-region Python objects.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from enum import StrEnum
from importlib import resources

from rapidfuzz import fuzz, process


class Level(StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"
    DISTRICT = "district"
    VILLAGE = "village"


# How far a region's own code reaches in the integer key space, by level.
_SPAN = {Level.PROVINCE: 10**8, Level.REGENCY: 10**6, Level.DISTRICT: 10**4, Level.VILLAGE: 1}
_LEVELS = (Level.PROVINCE, Level.REGENCY, Level.DISTRICT, Level.VILLAGE)
_PARTS = {Level.PROVINCE: 1, Level.REGENCY: 2, Level.DISTRICT: 3, Level.VILLAGE: 4}
_PARENT = {
    Level.REGENCY: Level.PROVINCE,
    Level.DISTRICT: Level.REGENCY,
    Level.VILLAGE: Level.DISTRICT,
}

# Words a customer puts before a name that the official list does not carry.
_LEADING = {
    Level.DISTRICT: frozenset({"kecamatan", "kec", "kc"}),
    Level.VILLAGE: frozenset({"kelurahan", "kel", "desa", "ds"}),
}
_KOTA_WORDS = frozenset({"kota", "kotamadya", "kodya", "kot"})
_ADM_WORDS = frozenset({"adm", "administrasi", "administratif"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = str.maketrans("", "", "'’`´")


# --- normalisation -------------------------------------------------------------------


def norm(text: str) -> str:
    """Lower case, accents and apostrophes dropped, other punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", text.lower().translate(_APOSTROPHES)).strip()


def compact(text: str) -> str:
    """The exact-match key: `Suka Asih` and `sukaasih` are the same place."""
    return text.replace(" ", "")


def clean(level: Level, text: str) -> str:
    """`norm`, less a leading `Kec.`/`Kel.`/`Desa` the official names never carry."""
    words = norm(text).split()
    if len(words) > 1 and words[0] in _LEADING.get(level, ()):
        words = words[1:]
    return " ".join(words)


def split_city(text: str) -> tuple[str | None, str]:
    """`Kab. Bandung` → ("kabupaten", "bandung"); `Kota Adm. Jakarta Utara` → ("kota", …)."""
    words = norm(text).split()
    kind = None
    if len(words) > 1 and words[0] in _KOTA_WORDS:
        kind = "kota"
    elif len(words) > 1 and (
        words[0] == "kab"
        or (words[0].startswith("kab") and fuzz.ratio(words[0], "kabupaten") >= 80)
    ):
        kind = "kabupaten"
    if kind:
        words = words[1:]
        if len(words) > 1 and words[0] in _ADM_WORDS:
            words = words[1:]
    return kind, " ".join(words)


# --- codes -----------------------------------------------------------------------------


def to_key(code: str) -> int | None:
    """`32.73.07.1004` or `3273071004` → 3273071004; `32` → 3200000000; junk → None."""
    digits = code.strip().replace(".", "")
    if len(digits) not in (2, 4, 6, 10) or not digits.isdigit() or not digits.isascii():
        return None
    return int(digits.ljust(10, "0"))


def level_of(key: int) -> Level:
    for level in (Level.PROVINCE, Level.REGENCY, Level.DISTRICT):
        if key % _SPAN[level] == 0:
            return level
    return Level.VILLAGE


def code_of(key: int) -> str:
    digits = f"{key:010d}"
    parts = (digits[:2], digits[2:4], digits[4:6], digits[6:])
    return ".".join(parts[: _PARTS[level_of(key)]])


def parent_key(key: int) -> int | None:
    parent = _PARENT.get(level_of(key))
    return None if parent is None else key - key % _SPAN[parent]


# --- fuzzy ranking ----------------------------------------------------------------------


def rank(
    query: str, names: Sequence[str], *, cutoff: float, limit: int
) -> list[tuple[int, float, bool]]:
    """(position, score, exact) of the names nearest `query`, best first.

    Scored with WRatio (tolerates a dropped word), ties broken by plain ratio so a typo of
    the whole name beats a name that merely contains it. Only an exact key scores 100.
    """
    key = compact(query)
    hits = process.extract(
        query, names, scorer=fuzz.WRatio, processor=None, score_cutoff=cutoff, limit=limit * 3 + 5
    )
    ranked = []
    for name, score, pos in hits:
        exact = compact(name) == key
        ranked.append(
            (pos, 100.0 if exact else min(round(score, 1), 99.0), exact, fuzz.ratio(query, name))
        )
    ranked.sort(key=lambda hit: (-hit[1], -hit[3]))
    return [(pos, score, exact) for pos, score, exact, _ in ranked[:limit]]


def rank_many(query: str, names: Sequence[str], *, cutoff: float, limit: int) -> list[str]:
    """The names nearest `query` in a long list (tens of thousands), best first: shortlisted
    by plain ratio (ten times faster than WRatio), then ranked as `rank` does."""
    shortlist = process.extract(
        query, names, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=limit * 10
    )
    names = [name for name, _, _ in shortlist]
    return [names[pos] for pos, _, _ in rank(query, names, cutoff=cutoff, limit=limit)]


# --- the index ---------------------------------------------------------------------------


def _rows(name: str) -> Iterator[list[str]]:
    """The data rows of a shipped gzip CSV, streamed (the header skipped)."""
    source = resources.files("ispbot.storage").joinpath("data", "wilayah", name)
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        next(reader)
        yield from (row for row in reader if len(row) == 2)


class RegionIndex:
    """All regions, by position in code order. Build with `index()`, not directly."""

    def __init__(self) -> None:
        self.keys = array("q")
        self._levels = bytearray()
        self._offsets = array("I", [0])
        blob = io.BytesIO()  # UTF-8: one curly apostrophe would make a str two bytes a char
        for code, name in _rows("wilayah.csv.gz"):
            key, encoded = to_key(code), name.strip().encode()
            if key is None or (self.keys and key <= self.keys[-1]):
                raise ValueError(f"wilayah.csv.gz: bad or unsorted code {code!r}")
            self.keys.append(key)
            self._levels.append(_LEVELS.index(level_of(key)))
            blob.write(encoded)
            self._offsets.append(self._offsets[-1] + len(encoded))
        self._blob = blob.getvalue()
        self._load_postcodes()
        self._build_hashes()
        self._build_cities()
        self._pools: dict[Level, list[str]] = {}
        self._lock = threading.Lock()

    def _load_postcodes(self) -> None:
        self._post = array("I", bytes(4 * len(self.keys)))
        for code, postcode in _rows("kodepos.csv.gz"):
            pos = self.position(to_key(code) or 0)
            if pos is not None and postcode.strip().isdigit():
                self._post[pos] = int(postcode)
        order = sorted(range(len(self._post)), key=self._post.__getitem__)
        self._post_pos = array("I", (i for i in order if self._post[i]))
        self._post_sorted = array("I", (self._post[i] for i in self._post_pos))

    def _build_hashes(self) -> None:
        hashes = array(
            "q", (hash(compact(clean(self.level(i), self.name(i)))) for i in range(len(self)))
        )
        self._hash_pos = array("I", sorted(range(len(hashes)), key=hashes.__getitem__))
        self._hashes = array("q", (hashes[i] for i in self._hash_pos))

    def _build_cities(self) -> None:
        self.cities = [i for i in range(len(self.keys)) if self.level(i) is Level.REGENCY]
        split = [split_city(self.name(i)) for i in self.cities]
        self.city_kinds = [kind for kind, _ in split]
        self.city_bases = [base for _, base in split]

    def __len__(self) -> int:
        return len(self.keys)

    def name(self, pos: int) -> str:
        return self._blob[self._offsets[pos] : self._offsets[pos + 1]].decode()

    def level(self, pos: int) -> Level:
        return _LEVELS[self._levels[pos]]

    def position(self, key: int) -> int | None:
        pos = bisect_left(self.keys, key)
        return pos if pos < len(self.keys) and self.keys[pos] == key else None

    def postcode(self, pos: int) -> str | None:
        return f"{self._post[pos]:05d}" if self._post[pos] else None

    def descendants(self, key: int, level: Level) -> list[int]:
        """Positions of the regions of `level` inside region `key`."""
        span = _SPAN[level_of(key)]
        lo, hi = bisect_right(self.keys, key), bisect_left(self.keys, key + span)
        want = _LEVELS.index(level)
        return [pos for pos in range(lo, hi) if self._levels[pos] == want]

    def exact(self, level: Level, name: str) -> list[int]:
        """Positions of the regions of `level` whose cleaned name has the key of `name`."""
        key = compact(clean(level, name))
        h = hash(key)
        lo, hi = bisect_left(self._hashes, h), bisect_right(self._hashes, h)
        found = (self._hash_pos[j] for j in range(lo, hi))
        return sorted(
            pos
            for pos in found
            if self.level(pos) is level and compact(clean(level, self.name(pos))) == key
        )

    def by_postcode(self, postcode: int) -> list[int]:
        lo, hi = bisect_left(self._post_sorted, postcode), bisect_right(self._post_sorted, postcode)
        return sorted(self._post_pos[lo:hi])

    def pool(self, level: Level) -> list[str]:
        """The distinct cleaned names of a level, for fuzzy search without a parent (built
        on first use: the village pool costs a few MB more)."""
        with self._lock:
            if level not in self._pools:
                names = {
                    clean(level, self.name(i)) for i in range(len(self)) if self.level(i) is level
                }
                self._pools[level] = sorted(names)
            return self._pools[level]


_INDEX: RegionIndex | None = None
_INDEX_LOCK = threading.Lock()


def index() -> RegionIndex:
    """The process-wide index, loaded on first call."""
    global _INDEX
    if _INDEX is None:
        with _INDEX_LOCK:
            if _INDEX is None:
                _INDEX = RegionIndex()
    return _INDEX
