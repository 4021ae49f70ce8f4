"""Indonesia's official regions (Kepmendagri 300.2.2-2138/2025, 91,599 of them) and the
postcodes of its villages, for checking what a customer types as their address.

Pure look-ups over the shipped `data/wilayah` files, loaded once per process on first use
(`warm_up()` to pay that at start-up instead). Codes are the official dotted ones:
province `32`, regency (kabupaten/kota) `32.73`, district (kecamatan) `32.73.07`,
village (kelurahan/desa) `32.73.07.1004`. Scores run 0–100; only an exact name scores 100.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

from ispbot.storage.region_index import (
    Level,
    clean,
    code_of,
    index,
    norm,
    parent_key,
    rank,
    rank_many,
    split_city,
    to_key,
)

__all__ = [
    "AddressCheck",
    "Confidence",
    "Level",
    "Match",
    "Part",
    "Region",
    "Suggestion",
    "check_address",
    "find_city",
    "find_district",
    "find_village",
    "get_region",
    "match_region",
    "named",
    "postcodes_of_village",
    "province_of",
    "village_by_postcode",
    "warm_up",
]

CUTOFF = 60.0
"""Fuzzy matches scoring below this are not returned."""

KIND_PENALTY = 15.0
FOUND_CACHE = 4096  # texts whose matches are kept (a few hundred bytes each)
"""Taken off a regency when the customer said "Kota" and it is a Kabupaten, or vice versa."""

# Nicknames customers use that no fuzzy score would find.
_CITY_ALIASES = {
    "jaksel": "jakarta selatan",
    "jakbar": "jakarta barat",
    "jaktim": "jakarta timur",
    "jakut": "jakarta utara",
    "jakpus": "jakarta pusat",
    # what people call the city, not its name in the list ("solo" was taken as Solok)
    "solo": "surakarta",
    "jogja": "yogyakarta",
    "jogjakarta": "yogyakarta",
    "yogya": "yogyakarta",
    "djogja": "yogyakarta",
    "jkt": "jakarta",
    "bdg": "bandung",
    "sby": "surabaya",
    "smg": "semarang",
    "mks": "makassar",
    "plg": "palembang",
}


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: Level
    parent: str | None


@dataclass(frozen=True, slots=True)
class Match:
    region: Region
    score: float
    exact: bool


class Part(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    VILLAGE = "village"


class Confidence(StrEnum):
    EXACT = "exact"  # all three found as typed (case, spacing, "Kab."/"Kel." aside)
    CORRECTED = "corrected"  # all three found after correcting a spelling or a parent
    UNKNOWN = "unknown"  # at least one part could not be resolved


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the customer typed as `part` most likely meant ("Maksud Anda *Sukajadi*?")."""

    part: Part
    typed: str
    region: Region
    score: float


@dataclass(frozen=True, slots=True)
class AddressCheck:
    """The verdict on a typed city/district/village (and postcode).

    `suggestions` are the corrections made to reach the resolved regions; `alternatives`
    are near misses for the first part left unknown. `warnings` may hold
    `district_mismatch`/`city_mismatch` (the village belongs to another district/city
    than typed), `ambiguous`, `postcode_mismatch` and `postcode_invalid`: a postcode
    that disagrees is only a warning, as the data may lag behind the post office.
    """

    confidence: Confidence
    city: Region | None = None
    district: Region | None = None
    village: Region | None = None
    suggestions: tuple[Suggestion, ...] = ()
    alternatives: tuple[Suggestion, ...] = ()
    unknown: tuple[Part, ...] = ()
    warnings: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    postcode_ok: bool | None = None

    @property
    def ok(self) -> bool:
        return self.confidence is not Confidence.UNKNOWN

    @property
    def province(self) -> Region | None:
        return province_of(self.city.code) if self.city else None


def warm_up() -> None:
    """Load the index now (about half a second) rather than on the first question."""
    index()


def _region_at(pos: int) -> Region:
    idx = index()
    key = idx.keys[pos]
    parent = parent_key(key)
    return Region(
        code=code_of(key),
        name=idx.name(pos),
        level=idx.level(pos),
        parent=None if parent is None else code_of(parent),
    )


def _position(code: str | None) -> int | None:
    key = to_key(code) if code else None
    return None if key is None else index().position(key)


def get_region(code: str) -> Region | None:
    """The region with this code (dotted or plain digits), or None."""
    pos = _position(code)
    return None if pos is None else _region_at(pos)


def province_of(code: str) -> Region | None:
    """The province a region lies in (a province is its own); None for an unknown code."""
    key = to_key(code)
    return None if key is None else get_region(code_of(key - key % 10**8))


def _city_query(text: str) -> tuple[str | None, str]:
    kind, base = split_city(text)
    return kind, _CITY_ALIASES.get(base.replace(" ", ""), base)


def _city_match(kind: str | None, pos: int, score: float, exact: bool) -> Match:
    if kind and index().city_kinds[pos] != kind:
        score, exact = score - KIND_PENALTY, False
    return Match(_region_at(index().cities[pos]), score, exact)


def find_city(text: str, limit: int = 5) -> list[Match]:
    """Regencies (kabupaten and kota) matching `text`, best first.

    "bandung" finds Kota Bandung and Kabupaten Bandung alike; "Kab. Bandung" or "kota
    bandng" put the named kind first.
    """
    return list(_find_city(text, limit))


# The regions never change while the process runs, and an ISP's customers name the same few
# places: the fuzzy ranking of a text (a fifth of a registration turn's CPU) is kept.
@functools.lru_cache(maxsize=FOUND_CACHE)
def _find_city(text: str, limit: int) -> tuple[Match, ...]:
    kind, base = _city_query(text)
    if not base:
        return ()
    queries = [(base, kind, False)]
    if kind:  # "Kota Baru" may also be the whole of "Kabupaten Kotabaru"
        queries.append((norm(text), None, True))
    best: dict[int, Match] = {}
    for query, said, exact_only in queries:
        for pos, score, exact in rank(query, index().city_bases, cutoff=CUTOFF, limit=limit + 5):
            match = _city_match(said, pos, score, exact)
            if exact_only and not exact:
                continue
            if pos not in best or match.score > best[pos].score:
                best[pos] = match
    matches = list(best.values())
    matches.sort(key=lambda m: -m.score)
    return tuple(m for m in matches if m.score >= CUTOFF)[:limit]


def find_district(text: str, city_code: str | None = None, limit: int = 5) -> list[Match]:
    """Districts (kecamatan) matching `text`, within `city_code` when given, best first."""
    return _find(Level.DISTRICT, text, city_code, limit)


def find_village(
    text: str, district_code: str | None = None, city_code: str | None = None, limit: int = 5
) -> list[Match]:
    """Villages (kelurahan/desa) matching `text`, within the district, else within the
    city, when given; best first."""
    return _find(Level.VILLAGE, text, district_code or city_code, limit)


def _find(level: Level, text: str, parent_code: str | None, limit: int) -> list[Match]:
    return list(_found(level, text, parent_code, limit))


@functools.lru_cache(maxsize=FOUND_CACHE)
def _found(level: Level, text: str, parent_code: str | None, limit: int) -> tuple[Match, ...]:
    query = clean(level, text)
    if not query:
        return ()
    if parent_code is not None:
        return tuple(_find_within(level, query, parent_code, limit))
    return tuple(_find_anywhere(level, query, limit))


def _find_within(level: Level, query: str, parent_code: str, limit: int) -> list[Match]:
    idx = index()
    parent = to_key(parent_code)
    if parent is None or idx.position(parent) is None:
        return []
    positions = idx.descendants(parent, level)
    names = [clean(level, idx.name(pos)) for pos in positions]
    hits = rank(query, names, cutoff=CUTOFF, limit=limit)
    return [Match(_region_at(positions[i]), score, exact) for i, score, exact in hits]


def _find_anywhere(level: Level, query: str, limit: int) -> list[Match]:
    """Exact names first (by hash, instant), then fuzzy over the level's distinct names."""
    idx = index()
    found = [Match(_region_at(pos), 100.0, True) for pos in idx.exact(level, query)[:limit]]
    if len(found) >= limit:
        return found
    for name in rank_many(query, idx.pool(level), cutoff=CUTOFF, limit=limit):
        match = match_region(query, _region_at(idx.exact(level, name)[0]))
        if not match.exact:
            found += [Match(_region_at(pos), match.score, False) for pos in idx.exact(level, name)]
        if len(found) >= limit:
            break
    return found[:limit]


def named(level: Level, text: str) -> list[Region]:
    """The regions of `level` named exactly `text` (case, spacing, "Kec."/"Kel." aside)."""
    return [_region_at(pos) for pos in index().exact(level, text)]


def postcodes_of_village(code: str) -> tuple[str, ...]:
    """The postcode(s) of a village; empty for an unknown code or one the data lacks."""
    pos = _position(code)
    postcode = None if pos is None else index().postcode(pos)
    return (postcode,) if postcode else ()


def village_by_postcode(postcode: str) -> list[Region]:
    """The villages with this 5-digit postcode, in code order."""
    text = postcode.strip()
    if len(text) != 5 or not text.isdigit() or not text.isascii():
        return []
    return [_region_at(pos) for pos in index().by_postcode(int(text))]


def match_region(text: str, region: Region) -> Match:
    """How well `text` names `region`, scored as the find_* functions would."""
    if region.level is not Level.REGENCY:
        score, exact = _score(clean(region.level, text), clean(region.level, region.name))
        return Match(region, score, exact)
    kind, query = _city_query(text)
    pos = index().cities.index(_position(region.code) or 0)
    score, exact = _score(query, index().city_bases[pos])
    return _city_match(kind, pos, score, exact)


def _score(query: str, target: str) -> tuple[float, bool]:
    hits = rank(query, [target], cutoff=0, limit=1) if query else []
    return (hits[0][1], hits[0][2]) if hits else (0.0, False)


def check_address(
    city: str, district: str, village: str, postcode: str | None = None
) -> AddressCheck:
    """Resolve a typed city, district and village together, preferring combinations that
    belong together (village in district in city), and check the postcode against the
    village. See `AddressCheck`."""
    from ispbot.storage.address_check import resolve  # imports this module

    return resolve(city, district, village, postcode)
