"""The end of the registration chat: the draft becomes a registration in
`pending_verification`, and the customer gets the seed's confirmation with the tracking link."""

from __future__ import annotations

from datetime import date

from ispbot.flows import menu
from ispbot.flows.address_questions import region_code
from ispbot.flows.registration_draft import answers
from ispbot.flows.status_words import status_words
from ispbot.flows.turn import Turn
from ispbot.providers.phone import masked
from ispbot.storage import pending_photos, registrations
from ispbot.storage.models import Package


async def submit(turn: Turn) -> None:
    from ispbot.flows.registration import REGISTRATION, ask_date_again_if_gone, price_confirmed

    if await ask_date_again_if_gone(turn):  # the summary was shown before it passed
        return
    draft = answers(turn)
    if not draft.get("whatsapp_verified"):
        # Only a number confirmed by its code is registered (staff updates go there): the
        # number question again, the other answers kept.
        turn.say("reg_phone_unverified", phone=masked(draft.get("phone", "")))
        await REGISTRATION.edit(turn, "phone")
        return
    duplicate = await registrations.find_duplicate(turn.session, email=draft["email"], phone=draft["phone"])
    if duplicate is not None and not duplicate.belongs_to(turn.contact.key, turn.contact.phone):
        # Taken since it was given (someone else registered with it meanwhile): the draft
        # stays, and only that answer is asked again.
        turn.say("reg_in_use", matched_on=duplicate.matched_on)
        await REGISTRATION.edit(turn, "email" if duplicate.matched_on == "email" else "phone")
        return
    if duplicate is not None:
        turn.say("reg_duplicate", duplicate=duplicate, status=status_words(turn.locale, duplicate.status))
        REGISTRATION.drop(turn)
        await menu.finish_flow(turn, "registration")
        return
    chosen = await turn.session.get(Package, int(draft["package_id"]))
    if chosen is None or not chosen.is_active:
        # Deactivated by the ISP since it was chosen: no longer sold, so chosen again, the
        # other answers kept (a registration made before keeps its package).
        turn.say("reg_package_gone", name=draft.get("package_name") or (chosen.name if chosen else ""))
        await REGISTRATION.edit(turn, "package", required=True)
        return
    quoted = await price_confirmed(turn, chosen)
    if quoted is None:  # repriced since the summary was shown: shown again, to confirm
        return
    photo = draft.get("ktp_photo")
    photo_marker = await pending_photos.marker(
        turn.session, photo["provider"], photo.get("media_id") or photo.get("url") or "", turn.now
    ) if photo else None
    new = registrations.NewRegistration(
        full_name=draft["full_name"],
        email=draft["email"],
        phone=draft["phone"],
        whatsapp_verified=bool(draft.get("whatsapp_verified")),
        contact_key=turn.contact.key,
        id_card_number=draft.get("nik"),
        id_card_photo=photo_marker,
        address=draft["street"],
        rt=draft.get("rt"),
        rw=draft.get("rw"),
        kelurahan=draft["village"],
        kecamatan=draft["district"],
        city=draft["city"],
        postal_code=draft.get("postcode"),
        region_code=region_code(turn),
        latitude=draft.get("latitude"),
        longitude=draft.get("longitude"),
        address_notes=draft.get("landmark"),
        package_id=int(draft["package_id"]),
        preferred_installation_date=date.fromisoformat(draft["install_date"]),
        preferred_time_slot=draft.get("slot"),
        notes=draft.get("notes"),
        source="whatsapp",
        locale=turn.locale,
    )
    registration = await registrations.create(turn.session, new, quoted_monthly_price=quoted, now=turn.now,
                                              timezone=turn.settings.tz)
    package = await turn.session.get(Package, registration.package_id)
    turn.say(
        "registration_confirmation",
        registration=registration,
        package=package,
        tracking_url=f"{turn.settings.public_url}/track/{registration.registration_number}",
    )
    REGISTRATION.drop(turn)
    await menu.finish_flow(turn, "registration")
