"""The address part of the registration chat: street, RT/RW, city, kecamatan, kelurahan,
postcode, landmark and location pin. City, kecamatan and kelurahan are checked against the
official region list, narrowing from city down; a typo gets "did you mean" choices, and a
name the list does not know is accepted when the customer types it again (the list may lag).
"""

from __future__ import annotations

from ispbot.flows.answers import is_no, is_skip, is_yes
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.courtesy_words import acknowledgement
from ispbot.flows.engine import Answer, Next, Question, Retry, Stay
from ispbot.flows.registration_draft import answers, forget, remember
from ispbot.flows.turn import Turn
from ispbot.providers.messages import InboundKind
from ispbot.storage import regions
from ispbot.storage.contact_fields import validate_postcode, validate_rt_rw


async def ask_street(turn: Turn) -> None:
    turn.say("reg_ask_street")


async def read_street(turn: Turn) -> Answer:
    text = turn.text
    if is_skip(text):  # "lewati" was saved as the street
        return Retry("cannot_skip", {"typed_answer": True})
    if len(text) < 5 or len(text) > 200:
        return Retry("reg_bad_street")
    remember(turn, street=text)
    return Next("street_given")


async def ask_rt_rw(turn: Turn) -> None:
    turn.say("reg_ask_rt_rw")


async def read_rt_rw(turn: Turn) -> Answer:
    checked = validate_rt_rw(turn.text)
    if not checked.ok or checked.value is None:
        return Retry("reg_bad_rt_rw", {"typed": turn.text[:40]})
    rt, rw = checked.value
    remember(turn, rt=rt, rw=rw)
    return Next("rt_rw_given")


# -- the three region levels share one shape ---------------------------------------------


# Offered at once when that many regions fit the answer equally well (WhatsApp lists hold 10).
MAX_TIED = 6


async def _read_region(
    turn: Turn, *, state: str, field: str, matches: list[regions.Match], trigger: str, elsewhere: bool = False
) -> Answer:
    """`elsewhere`: the matches lie outside the chosen parent, so they are only offered."""
    draft = answers(turn)
    offered = [
        choice(state, region.code, region.name)
        for code in draft.get(f"_{field}_offered") or []
        if (region := regions.get_region(code)) is not None
    ]
    try:
        picked = pick(turn.message, offered, prefix=state)
    except StaleChoice:
        return Retry("stale_choice")
    if picked is None and len(offered) == 1 and is_yes(turn.text):
        picked = offered[0]  # "Maksud Anda … ? [1] Coblong — Kota Bandung" — "ya"
    if picked is not None:
        region = regions.get_region(value_of(picked))
        if region is not None:
            return _accept(turn, field, region, trigger)
    if turn.message.kind is InboundKind.CHOICE:
        return Retry("stale_choice")
    text = turn.text
    if is_skip(text):  # "lewati" offered Kabupaten Pati and Polewali Mandar
        return Retry("cannot_skip", {"typed_answer": True})
    if (said := acknowledgement(text)) is not None:  # "makasih" typed twice was taken for a city
        return Retry("flow_courtesy", {"said": said})
    if len(text) < 3:
        return Retry("reg_region_unknown", {"typed": text[:60]})
    exact = [m for m in matches if m.exact]
    if not elsewhere and (len(exact) == 1 or (not exact and matches and matches[0].score >= 97)):
        best = exact[0] if exact else matches[0]
        return _accept(turn, field, best.region, trigger)
    if matches and matches[0].score >= 75:
        pool = exact or matches
        tied = [m for m in pool if m.score >= pool[0].score - 1]  # "jakarta": five cities alike
        suggestions = tied[:MAX_TIED] if len(tied) > 3 else pool[:3]
        remember(turn, **{f"_{field}_offered": [m.region.code for m in suggestions]})
        turn.ask(
            "reg_region_did_you_mean",
            [choice(state, m.region.code, m.region.name, _parent_name(m.region)) for m in suggestions],
            typed=text, one=len(suggestions) == 1,
        )
        return Stay()
    if draft.get(f"_{field}_unknown") == text.lower():
        # Typed twice: accept it as the customer wrote it; staff will check.
        remember(turn, **{field: text.title(), f"{field}_code": None})
        forget(turn, f"_{field}_unknown", f"_{field}_offered")
        return Next(trigger)
    remember(turn, **{f"_{field}_unknown": text.lower()})
    return Retry("reg_region_unknown", {"typed": text[:60]})


_LEVEL_ASKED = {"ASK_CITY": regions.Level.REGENCY, "ASK_DISTRICT": regions.Level.DISTRICT,
                "ASK_VILLAGE": regions.Level.VILLAGE}


def names_a_place(turn: Turn) -> bool:
    """The text is the exact name of a place of the level asked now (a kelurahan is called
    Pasang, like the menu's "pasang"): an answer, whatever else it may mean."""
    level = _LEVEL_ASKED.get(turn.conversation.state)
    return level is not None and bool(regions.named(level, turn.text))


def _parent_name(region: regions.Region) -> str | None:
    """`Kota Bandung` for Coblong: a suggestion says where it is, as the row's description
    (`Coblong — Kota Bandung`). In the title it was cut to WhatsApp's 24 characters on
    every gateway: "Kiaracondong (Kota Bandu", "Pasar Minggu (Kota Admin"."""
    parent = regions.get_region(region.parent) if region.parent else None
    if region.level is regions.Level.REGENCY or parent is None:
        return None
    return parent.name


def _accept(turn: Turn, field: str, region: regions.Region, trigger: str) -> Answer:
    """Take the region, and its parents from the official list (so picking "Coblong (Kota
    Bandung)" also corrects a wrongly chosen regency)."""
    values: dict[str, object] = {field: region.name, f"{field}_code": region.code}
    parent = regions.get_region(region.parent) if region.parent else None
    if field == "village" and parent is not None:
        values.update(district=parent.name, district_code=parent.code)
        parent = regions.get_region(parent.parent) if parent.parent else None
    if field in ("village", "district") and parent is not None and parent.level is regions.Level.REGENCY:
        values.update(city=parent.name, city_code=parent.code)
    remember(turn, **values)
    forget(turn, f"_{field}_unknown", f"_{field}_offered")
    return Next(trigger)


async def ask_city(turn: Turn) -> None:
    turn.say("reg_ask_city")


async def read_city(turn: Turn) -> Answer:
    matches = regions.find_city(turn.text, limit=MAX_TIED) if turn.message.kind is InboundKind.TEXT else []
    return await _read_region(turn, state="ASK_CITY", field="city", matches=matches, trigger="city_given")


async def ask_district(turn: Turn) -> None:
    turn.say("reg_ask_district", city=answers(turn).get("city", ""))


async def read_district(turn: Turn) -> Answer:
    city_code = answers(turn).get("city_code")
    text = turn.text
    matches = regions.find_district(text, city_code, limit=3) if turn.message.kind is InboundKind.TEXT else []
    elsewhere = bool(city_code) and len(text) >= 3 and not (matches and matches[0].score >= 75)
    if elsewhere:
        matches = [m for m in regions.find_district(text, None, limit=3) if m.score >= 90]
    return await _read_region(
        turn, state="ASK_DISTRICT", field="district", matches=matches, trigger="district_given", elsewhere=elsewhere
    )


async def ask_village(turn: Turn) -> None:
    turn.say("reg_ask_village", district=answers(turn).get("district", ""))


async def read_village(turn: Turn) -> Answer:
    draft = answers(turn)
    text = turn.text
    matches = (
        regions.find_village(text, draft.get("district_code"), draft.get("city_code"), limit=3)
        if turn.message.kind is InboundKind.TEXT
        else []
    )
    elsewhere = bool(draft.get("district_code")) and len(text) >= 3 and not (matches and matches[0].score >= 75)
    if elsewhere:
        matches = [m for m in regions.find_village(text, None, draft.get("city_code"), limit=3) if m.score >= 90]
    return await _read_region(
        turn, state="ASK_VILLAGE", field="village", matches=matches, trigger="village_given", elsewhere=elsewhere
    )


def _known_postcodes(turn: Turn) -> tuple[str, ...]:
    code = answers(turn).get("village_code")
    return regions.postcodes_of_village(code) if code else ()


async def ask_postcode(turn: Turn) -> None:
    known = _known_postcodes(turn)
    turn.say("reg_ask_postcode", known=known[0] if known else None, village=answers(turn).get("village", ""))


async def read_postcode(turn: Turn) -> Answer:
    known = _known_postcodes(turn)
    text = turn.text
    if known and is_yes(text):
        remember(turn, postcode=known[0], postcode_warning=False)
        return Next("postcode_given")
    if known and is_no(text):  # "Kode pos … adalah 40163. Ketik ya jika benar" — "bukan"
        return Retry("reg_bad_postcode", {"typed": text[:20], "declined": True})
    checked = validate_postcode(text)
    if not checked.ok or checked.value is None:
        return Retry("reg_bad_postcode", {"typed": text[:20], "declined": False})
    mismatch = bool(known) and checked.value not in known
    remember(turn, postcode=checked.value, postcode_warning=mismatch)
    if mismatch:
        turn.say("reg_postcode_mismatch", typed=checked.value, known=known[0], village=answers(turn).get("village", ""))
    return Next("postcode_given")


async def ask_landmark(turn: Turn) -> None:
    turn.say("reg_ask_landmark")


async def read_landmark(turn: Turn) -> Answer:
    text = turn.text
    remember(turn, landmark=None if is_skip(text) else text[:300])
    return Next("landmark_given")


async def ask_location(turn: Turn) -> None:
    turn.say("reg_ask_location")


async def read_location(turn: Turn) -> Answer:
    location = turn.message.location
    if turn.message.kind is InboundKind.LOCATION and location is not None:
        remember(turn, latitude=location.latitude, longitude=location.longitude)
        return Next("location_given")
    if is_skip(turn.text):
        remember(turn, latitude=None, longitude=None)
        return Next("location_given")
    return Retry("reg_bad_location")


def region_code(turn: Turn) -> str | None:
    draft = answers(turn)
    return draft.get("village_code") or draft.get("district_code") or draft.get("city_code")



# The street-to-postcode questions, as registration and the profile both ask them: their
# questions, and the transitions between them (each flow says where `postcode_given` leads).
STREET_TO_POSTCODE = ["ASK_STREET", "ASK_RT_RW", "ASK_CITY", "ASK_DISTRICT", "ASK_VILLAGE", "ASK_POSTCODE"]
QUESTIONS = {
    "ASK_STREET": Question(ask_street, read_street, "help_street", free_text=True),
    "ASK_RT_RW": Question(ask_rt_rw, read_rt_rw, "help_rt_rw"),
    "ASK_CITY": Question(ask_city, read_city, "help_region"),
    "ASK_DISTRICT": Question(ask_district, read_district, "help_region"),
    "ASK_VILLAGE": Question(ask_village, read_village, "help_region"),
    "ASK_POSTCODE": Question(ask_postcode, read_postcode, "help_postcode"),
}
TRANSITIONS = [
    {"trigger": "street_given", "source": "ASK_STREET", "dest": "ASK_RT_RW"},
    {"trigger": "rt_rw_given", "source": "ASK_RT_RW", "dest": "ASK_CITY"},
    {"trigger": "city_given", "source": "ASK_CITY", "dest": "ASK_DISTRICT"},
    {"trigger": "district_given", "source": "ASK_DISTRICT", "dest": "ASK_VILLAGE"},
    {"trigger": "village_given", "source": "ASK_VILLAGE", "dest": "ASK_POSTCODE"},
]
