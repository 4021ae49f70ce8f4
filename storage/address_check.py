"""How `regions.check_address` resolves a typed city, district and village together.

Every plausible chain is scored: the cities the city text may name, then the districts
of each that the district text may name and the villages of each of those, plus the
villages of the city matching the village text whatever district was typed (a customer
more often picks the wrong kecamatan than misspells a kelurahan into another real one).
When no city works, an exact village and district found anywhere may still fix the city.
Parts below the acceptance score add nothing, the village weighs most, and a postcode
that agrees tips the balance. The deepest accepted part fixes the ones above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ispbot.storage.regions import (
    AddressCheck,
    Confidence,
    Level,
    Match,
    Part,
    Region,
    Suggestion,
    find_city,
    find_district,
    find_village,
    get_region,
    match_region,
    named,
    postcodes_of_village,
)

ACCEPT = 80.0
"""A part scoring below this is not taken as what the customer meant."""

POSTCODE_BONUS = 10.0
_PARTS = (Part.CITY, Part.DISTRICT, Part.VILLAGE)
_WEIGHTS = (1.0, 1.0, 1.5)


@dataclass(frozen=True, slots=True)
class _Chain:
    city: Match | None = None
    district: Match | None = None
    village: Match | None = None
    bonus: float = 0.0

    @property
    def matches(self) -> tuple[Match | None, Match | None, Match | None]:
        return self.city, self.district, self.village

    @property
    def total(self) -> float:
        scores = (w * m.score for w, m in zip(_WEIGHTS, self.matches, strict=True) if _ok(m))
        return sum(scores) + self.bonus

    @property
    def depth(self) -> int:
        """How many parts, from the city down, this chain resolves."""
        return max((i + 1 for i, m in enumerate(self.matches) if _ok(m)), default=0)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.region.code for m in self.matches[: self.depth] if m)


def _ok(match: Match | None) -> bool:
    return match is not None and match.score >= ACCEPT


def _parent_match(text: str, region: Region) -> Match:
    parent = get_region(region.parent or "")
    assert parent is not None  # every district and village has one in the shipped data
    return match_region(text, parent)


def _in_city(city: Match, district: str, village: str) -> list[_Chain]:
    chains = []
    for d in find_district(district, city.region.code, limit=3):
        villages = find_village(village, d.region.code, limit=3)
        chains += [_Chain(city, d, v) for v in villages] or [_Chain(city, d)]
    for v in find_village(village, city_code=city.region.code, limit=5):
        if _ok(v):
            chains.append(_Chain(city, _parent_match(district, v.region), v))
    return chains or [_Chain(city)]


def _anywhere(city: str, district: str, village: str) -> list[_Chain]:
    """Chains from villages named exactly so anywhere, whose district also matches."""
    chains = []
    for region in named(Level.VILLAGE, village)[:100]:
        v = Match(region, 100.0, True)
        d = _parent_match(district, v.region)
        if _ok(d):
            chains.append(_Chain(_parent_match(city, d.region), d, v))
    return chains


def _chains(city: str, district: str, village: str, postcode: str | None) -> list[_Chain]:
    chains = [c for m in find_city(city, limit=5) for c in _in_city(m, district, village)]
    if not any(_ok(c.village) for c in chains):
        chains += _anywhere(city, district, village)
    if postcode:
        chains = [_with_bonus(c, postcode) for c in chains]
    return chains


def _with_bonus(chain: _Chain, postcode: str) -> _Chain:
    if chain.village and postcode in postcodes_of_village(chain.village.region.code):
        return _Chain(chain.city, chain.district, chain.village, POSTCODE_BONUS)
    return chain


def _common_depth(chains: list[_Chain]) -> int:
    """How many leading resolved codes all the equally good chains agree on."""
    depth = min(c.depth for c in chains)
    while depth and len({c.codes[:depth] for c in chains}) > 1:
        depth -= 1
    return depth


def resolve(city: str, district: str, village: str, postcode: str | None) -> AddressCheck:
    typed = dict(zip(_PARTS, (city, district, village), strict=True))
    wanted = (postcode or "").replace(" ", "")
    chains = _chains(city, district, village, wanted if _valid_postcode(wanted) else None)
    best = max(chains, key=lambda c: c.total, default=_Chain())
    tied = [c for c in chains if c.total >= best.total - 1e-6 and c.depth]
    depth = _common_depth(tied) if tied else 0
    resolved = best.matches[:depth]
    suggestions, warnings = [], []
    for part, match in zip(_PARTS, resolved, strict=False):
        assert match is not None
        if not match.exact:
            suggestions.append(Suggestion(part, typed[part], match.region, match.score))
        if match.score < ACCEPT:
            warnings.append(f"{part}_mismatch")
    if depth < best.depth:
        warnings.append("ambiguous")
        alternatives = _tied_alternatives(tied, depth, typed)
    else:
        alternatives = _near_misses(resolved, typed)
    regions = [m.region if m else None for m in resolved] + [None] * (3 - depth)
    postcodes, postcode_ok, pc_warning = _postcode_verdict(regions[2], postcode)
    unknown = _PARTS[depth:]
    confidence = Confidence.EXACT if not suggestions and not warnings else Confidence.CORRECTED
    return AddressCheck(
        confidence=Confidence.UNKNOWN if unknown else confidence,
        city=regions[0],
        district=regions[1],
        village=regions[2],
        suggestions=tuple(suggestions),
        alternatives=tuple(alternatives),
        unknown=unknown,
        warnings=(*warnings, *pc_warning),
        postcodes=postcodes,
        postcode_ok=postcode_ok,
    )


def _tied_alternatives(tied: list[_Chain], depth: int, typed: dict[Part, str]) -> list[Suggestion]:
    part, seen, out = _PARTS[depth], set(), []
    for chain in tied:
        match = chain.matches[depth]
        if match and match.region.code not in seen:
            seen.add(match.region.code)
            out.append(Suggestion(part, typed[part], match.region, match.score))
    return out


def _near_misses(resolved: tuple[Match | None, ...], typed: dict[Part, str]) -> list[Suggestion]:
    """What the first unknown part might have been, within what was resolved."""
    depth = len(resolved)
    if depth == 3:
        return []
    part, text = _PARTS[depth], typed[_PARTS[depth]]
    parent = resolved[-1].region.code if resolved and resolved[-1] else None
    if part is Part.CITY:
        found = find_city(text, limit=3)
    elif part is Part.DISTRICT:
        found = find_district(text, parent, limit=3)
    else:
        found = find_village(text, parent, limit=3)
    return [Suggestion(part, text, m.region, m.score) for m in found]


def _valid_postcode(text: str) -> bool:
    return len(text) == 5 and text.isascii() and text.isdigit() and text[0] != "0"


def _postcode_verdict(
    village: Region | None, postcode: str | None
) -> tuple[tuple[str, ...], bool | None, tuple[str, ...]]:
    """(the village's postcodes, whether the typed one is among them, warnings)."""
    known = postcodes_of_village(village.code) if village else ()
    wanted = (postcode or "").replace(" ", "")
    if not wanted:
        return known, None, ()
    if not _valid_postcode(wanted):
        return known, False, ("postcode_invalid",)
    if not known:
        return known, None, ()
    return known, wanted in known, () if wanted in known else ("postcode_mismatch",)
