"""The public tracking page: status and timeline, search by number or e-mail, no
personal data beyond a masked name."""

from __future__ import annotations

from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration


async def test_tracking_page_shows_status_timeline_and_masked_name(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    await cs.post(f"/admin/registrations/{registration.id}/actions/verify")
    response = await h.client.get(f"/track/{registration.registration_number}")
    assert response.status == 200
    page = await response.text()
    assert registration.registration_number in page and "B*** S******" in page
    assert "Terverifikasi" in page and "Home Silver 40M" in page and "Rp 199.900/bulan" in page
    assert page.count('class="done"') == 2  # registered and verified
    assert "Langkah berikutnya" in page and "wa.me/6281200000800" in page
    for private in ("Budi Santoso", "budi@example.com", "0812000001", "Sukajadi", "3273"):
        assert private not in page, private
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_rejected_registration_shows_the_reason(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    await cs.post(f"/admin/registrations/{registration.id}/actions/reject", {"reason": "Di luar area <b>layanan</b>"})
    page = await (await h.client.get(f"/track/{registration.registration_number.lower()}")).text()
    assert "Pendaftaran ditolak." in page and "Di luar area &lt;b&gt;layanan&lt;/b&gt;" in page


async def test_search_by_number_or_email_redirects_to_the_status(h: Harness) -> None:
    registration = await make_registration(h)
    for query in (registration.registration_number, "BUDI@example.com"):
        response = await h.client.get("/track", params={"q": query}, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == f"/track/{registration.registration_number}"
    missing = await h.client.get("/track", params={"q": "REG-20990101-0001"})
    assert missing.status == 404 and "tidak ditemukan" in await missing.text()
    form = await h.client.get("/track")
    assert form.status == 200 and 'name="q"' in await form.text()


async def test_unknown_number_is_a_friendly_404(h: Harness) -> None:
    response = await h.client.get("/track/REG-20990101-0001")
    assert response.status == 404 and "Lacak Pendaftaran" in await response.text()


async def test_walking_the_numbers_is_held_back_like_the_search(h: Harness) -> None:
    """Registration numbers run in sequence; the page answered every guess."""
    registration = await make_registration(h)
    day = registration.registration_number[:12]  # REG-YYYYMMDD
    answers = [(await h.client.get(f"/track/{day}-{n:04d}")).status for n in range(1, 131)]
    assert answers[0] == 200 and set(answers[1:120]) == {404} and set(answers[120:]) == {429}
    h.clock.advance(minutes=11)
    assert (await h.client.get(f"/track/{registration.registration_number}")).status == 200
