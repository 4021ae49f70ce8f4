"""The shipped region list: look-ups, typo tolerance and whole-address checks, on real
places (Kota Bandung / Sukajadi / Sukagalih 40163; Kabupaten Bandung / Soreang / Sukajadi
40911; Kota Bandung / Cicendo / Sukaraja 40175)."""

from __future__ import annotations

import pytest

from ispbot.storage.regions import (
    Confidence,
    Level,
    Part,
    check_address,
    find_city,
    find_district,
    find_village,
    get_region,
    match_region,
    named,
    postcodes_of_village,
    province_of,
    village_by_postcode,
)

KOTA_BANDUNG, KAB_BANDUNG = "32.73", "32.04"
SUKAJADI, SUKAGALIH = "32.73.07", "32.73.07.1004"


def names(matches: list) -> list[str]:
    return [m.region.name for m in matches]


def test_regions_and_parents() -> None:
    village = get_region(SUKAGALIH)
    assert village is not None
    assert (village.name, village.level, village.parent) == ("Sukagalih", Level.VILLAGE, SUKAJADI)
    assert get_region("3273071004") == village
    assert get_region(SUKAJADI).parent == KOTA_BANDUNG  # type: ignore[union-attr]
    assert get_region(KOTA_BANDUNG).name == "Kota Bandung"  # type: ignore[union-attr]
    assert get_region("31.72").name == "Kota Administrasi Jakarta Utara"  # trailing space gone
    assert province_of(SUKAGALIH).name == "Jawa Barat"  # type: ignore[union-attr]
    assert province_of("32").code == "32"  # type: ignore[union-attr]
    assert get_region("99") is None
    assert get_region("banana") is None
    assert province_of("xx") is None


def test_postcodes() -> None:
    assert postcodes_of_village(SUKAGALIH) == ("40163",)
    assert postcodes_of_village("32.04.37.2010") == ("40911",)
    assert postcodes_of_village(SUKAJADI) == ()  # a district has none of its own
    assert postcodes_of_village("99.99.99.9999") == ()
    assert [r.code for r in village_by_postcode("40163")] == [SUKAGALIH]
    assert {r.code for r in village_by_postcode("40162")} == {"32.73.07.1002", "32.73.07.1005"}
    assert village_by_postcode("4016") == []
    assert village_by_postcode("00000") == []


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("kota bandung", "Kota Bandung"),
        ("Kota Bandng", "Kota Bandung"),
        ("kab bandung", "Kabupaten Bandung"),
        ("Kab. Bandung", "Kabupaten Bandung"),
        ("KABUPATEN BANDUNG", "Kabupaten Bandung"),
        ("cimahi", "Kota Cimahi"),
        ("jakarta selatan", "Kota Administrasi Jakarta Selatan"),
        ("Kota Adm. Jakarta Utara", "Kota Administrasi Jakarta Utara"),
        ("jaksel", "Kota Administrasi Jakarta Selatan"),
        ("solo", "Kota Surakarta"),  # was Kabupaten Solok Selatan, in West Sumatra
        ("kota solo", "Kota Surakarta"),
        ("jogja", "Kota Yogyakarta"),
        ("kota baru", "Kabupaten Kotabaru"),
    ],
)
def test_find_city(typed: str, first: str) -> None:
    assert names(find_city(typed))[0] == first


def test_city_without_prefix_finds_both_kinds() -> None:
    top = find_city("bandung")[:2]
    assert set(names(top)) == {"Kota Bandung", "Kabupaten Bandung"}
    assert all(m.exact and m.score == 100 for m in top)
    typo = find_city("bandng")
    assert set(names(typo[:2])) == {"Kota Bandung", "Kabupaten Bandung"}
    assert not typo[0].exact and 80 <= typo[0].score < 100


def test_named_kind_ranks_first_but_keeps_the_other() -> None:
    kota = find_city("kota bandung")
    assert kota[0].exact and names(kota)[1] == "Kabupaten Bandung" and kota[1].score < 100
    assert "Kota Bandung" in names(find_city("kab bandung"))
    assert find_city("") == []
    assert find_city("xqzxqz") == []


def test_find_district_within_a_city() -> None:
    hits = find_district("sukajdi", KOTA_BANDUNG)
    assert hits[0].region.code == SUKAJADI and not hits[0].exact
    assert find_district("Kec. Sukajadi", KOTA_BANDUNG)[0].exact
    assert find_district("sukajadi", KAB_BANDUNG) == []  # no such kecamatan there


def test_find_district_anywhere() -> None:
    codes = [m.region.code for m in find_district("sukajadi")]
    assert {"32.73.07", "14.71.01"} <= set(codes)  # Bandung and Pekanbaru
    assert find_district("sukajdi")[0].region.name == "Sukajadi"


def test_find_village() -> None:
    assert find_village("sukagalih", SUKAJADI)[0].region.code == SUKAGALIH
    assert find_village("Kel. Suka Galih", SUKAJADI)[0].exact  # prefix and spacing aside
    hit = find_village("sukagalh", city_code=KOTA_BANDUNG)[0]
    assert hit.region.code == SUKAGALIH and 80 <= hit.score < 100
    assert SUKAGALIH in [m.region.code for m in find_village("sukagalih", limit=10)]
    assert find_village("sukagalih", "32.73.02") == []  # not in Coblong
    assert find_village("sukagalih", "99.99.99") == []
    assert len(named(Level.VILLAGE, "Sukagalih")) == 8


def test_match_region() -> None:
    assert match_region("kab bandung", get_region(KAB_BANDUNG)).exact  # type: ignore[arg-type]
    kota = match_region("kab bandung", get_region(KOTA_BANDUNG))  # type: ignore[arg-type]
    assert not kota.exact and kota.score < 100
    assert match_region("coblong", get_region(SUKAJADI)).score < 60  # type: ignore[arg-type]


def test_check_address_exact() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Sukagalih", "40163")
    assert result.confidence is Confidence.EXACT and result.ok
    assert (result.city.code, result.district.code, result.village.code) == (  # type: ignore[union-attr]
        KOTA_BANDUNG,
        SUKAJADI,
        SUKAGALIH,
    )
    assert result.province.name == "Jawa Barat"  # type: ignore[union-attr]
    assert result.postcodes == ("40163",) and result.postcode_ok is True
    assert result.suggestions == () and result.warnings == ()


def test_check_address_bare_city_is_resolved_by_the_district() -> None:
    result = check_address("bandung", "sukajadi", "kel. sukagalih")
    assert result.confidence is Confidence.EXACT
    assert result.city.name == "Kota Bandung"  # type: ignore[union-attr]
    assert result.postcode_ok is None


def test_check_address_corrects_typos_with_suggestions() -> None:
    result = check_address("Bandng", "sukajdi", "Sukagalih", "40163")
    assert result.confidence is Confidence.CORRECTED and result.ok
    assert result.village.code == SUKAGALIH  # type: ignore[union-attr]
    fixes = {s.part: s.region.name for s in result.suggestions}
    assert fixes == {Part.CITY: "Kota Bandung", Part.DISTRICT: "Sukajadi"}
    assert [s.typed for s in result.suggestions] == ["Bandng", "sukajdi"]
    assert result.warnings == ()


def test_kabupaten_and_kota_bandung_are_told_apart() -> None:
    kab = check_address("kab bandung", "Soreang", "Sukajadi")
    assert kab.confidence is Confidence.EXACT
    assert (kab.city.code, kab.village.code) == (KAB_BANDUNG, "32.04.37.2010")  # type: ignore[union-attr]
    assert kab.postcodes == ("40911",)
    kota = check_address("kota bandung", "Sukajadi", "Sukagalih")
    assert kota.city.code == KOTA_BANDUNG  # type: ignore[union-attr]
    # Sukagalih is in Kota Bandung, whatever the customer called the city.
    wrong_kind = check_address("kab bandung", "sukajadi", "sukagalih")
    assert wrong_kind.confidence is Confidence.CORRECTED
    assert wrong_kind.city.code == KOTA_BANDUNG  # type: ignore[union-attr]
    assert [s.region.name for s in wrong_kind.suggestions] == ["Kota Bandung"]


def test_village_in_the_wrong_district_is_flagged() -> None:
    result = check_address("Kota Bandung", "Coblong", "Sukagalih")
    assert result.confidence is Confidence.CORRECTED
    assert result.village.code == SUKAGALIH and result.district.code == SUKAJADI  # type: ignore[union-attr]
    assert "district_mismatch" in result.warnings
    assert [(s.part, s.typed, s.region.name) for s in result.suggestions] == [
        (Part.DISTRICT, "Coblong", "Sukajadi")
    ]


def test_wrong_city_is_fixed_by_an_exact_district_and_village() -> None:
    result = check_address("Jakarta", "Sukajadi", "Sukagalih")
    assert result.city.code == KOTA_BANDUNG and "city_mismatch" in result.warnings  # type: ignore[union-attr]
    assert result.confidence is Confidence.CORRECTED


def test_postcode_mismatch_is_only_a_warning() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Sukagalih", "40111")
    assert result.confidence is Confidence.EXACT and result.ok
    assert result.postcode_ok is False and result.warnings == ("postcode_mismatch",)
    assert result.postcodes == ("40163",)
    bad = check_address("Kota Bandung", "Sukajadi", "Sukagalih", "4016")
    assert bad.ok and bad.postcode_ok is False and bad.warnings == ("postcode_invalid",)


def test_unknown_village_keeps_what_was_found() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Zzyzx")
    assert result.confidence is Confidence.UNKNOWN and not result.ok
    assert result.unknown == (Part.VILLAGE,)
    assert result.district.code == SUKAJADI and result.village is None  # type: ignore[union-attr]


def test_close_village_typo_is_corrected() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Sukabung")
    assert result.confidence is Confidence.CORRECTED
    assert [(s.part, s.region.name) for s in result.suggestions] == [(Part.VILLAGE, "Sukabungah")]


def test_far_typo_is_only_offered() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Pastor")
    assert result.confidence is Confidence.UNKNOWN and result.unknown == (Part.VILLAGE,)
    assert [(s.part, s.typed, s.region.name) for s in result.alternatives] == [
        (Part.VILLAGE, "Pastor", "Pasteur")
    ]
    assert result.suggestions == ()


def test_equally_good_villages_are_offered_not_chosen() -> None:
    result = check_address("Kota Bandung", "Sukajadi", "Pastur Cipeds")
    assert result.confidence is Confidence.UNKNOWN and result.unknown == (Part.VILLAGE,)
    assert result.district.code == SUKAJADI and "ambiguous" in result.warnings  # type: ignore[union-attr]
    assert {s.region.name for s in result.alternatives} == {"Pasteur", "Cipedes"}


def test_bare_city_alone_is_ambiguous() -> None:
    result = check_address("bandung", "", "")
    assert result.confidence is Confidence.UNKNOWN and result.city is None
    assert "ambiguous" in result.warnings
    assert {s.region.name for s in result.alternatives} == {"Kota Bandung", "Kabupaten Bandung"}


def test_nothing_recognisable() -> None:
    result = check_address("qqqq", "wwww", "zzzz", "40163")
    assert result.confidence is Confidence.UNKNOWN
    assert result.unknown == (Part.CITY, Part.DISTRICT, Part.VILLAGE)
    assert result.postcode_ok is None
