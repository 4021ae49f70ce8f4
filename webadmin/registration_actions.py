"""What staff do to a registration from the admin: the lifecycle actions (through
`ispbot.workflow.act`, one transaction each, with the row locked), bulk verify, resending
the last notification, a custom WhatsApp message, and deleting a rejected or cancelled
registration. Every refusal comes back as a clear message on the page."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.ktp_encryption import KTP_PHOTOS
from ispbot.services import Services
from ispbot.storage import audit, pending_photos, registrations
from ispbot.storage import registration_queries as queries
from ispbot.storage.lifecycle import Action, Status, TransitionRefused
from ispbot.storage.models import User
from ispbot.webadmin import messaging
from ispbot.webadmin.auth import Refused, current, require, staff_view
from ispbot.webadmin.labels import ACTION_DONE, action_label, status_label
from ispbot.webadmin.pages import redirect
from ispbot.webadmin.path_ids import row_id
from ispbot.webadmin.photos import photo_path
from ispbot.webadmin.registrations import RefusedAction, detail_page, load_registration
from ispbot.webadmin.roles import ACTION_PERMISSION, Permission
from ispbot.webhooks import SERVICES
from ispbot.workflow import act

MAX_NOTE = 1000

VALUE_ERRORS = {
    "a rejection needs a reason": "Alasan penolakan wajib diisi.",
    "a survey needs a date and time": "Tanggal dan jam survey wajib diisi.",
    "the survey is already at that time": "Survey sudah dijadwalkan pada waktu itu; tidak ada yang diubah.",
}
UNCHANGED = {"the survey is already at that time"}
SURVEY_HORIZON = timedelta(days=90)
SURVEY_HOURS = (7, 20)  # a survey starts from 07.00 to 20.00 local time


class Unchanged(ValueError):
    """The form asked for what already is (a double submit, a reload): nothing to correct,
    so the page is shown anew (303) with the message, not sent back filled in."""


def refusal_message(exc: TransitionRefused) -> str:
    return (
        f"Aksi “{action_label(exc.action)}” tidak diizinkan saat status pendaftaran "
        f"“{status_label(exc.status)}”."
    )


def parse_survey_date(services: Services, text: str) -> datetime:
    """`2026-11-25T09:00` (the browser's datetime-local, in ISPBOT_TIMEZONE) → aware."""
    return parse_visit_time(services, text, "survey")


def parse_visit_time(services: Services, text: str, visit: str) -> datetime:
    """A technician's visit (`visit`: "survey", "kunjungan"): in the future, within
    SURVEY_HORIZON, from 07.00 to 20.00, not on a Sunday; ValueError with the reason."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"Tanggal dan jam {visit} tidak valid.") from None
    when = local.replace(tzinfo=services.settings.tz) if local.tzinfo is None else local
    now = services.clock.now()
    if when <= now:
        raise ValueError(f"Jadwal {visit} harus di masa depan.")
    if when > now + SURVEY_HORIZON:
        raise ValueError(f"Jadwal {visit} paling lambat {SURVEY_HORIZON.days} hari dari sekarang.")
    local = when.astimezone(services.settings.tz)
    if local.isoweekday() == 7:  # as installation days (the chat offers none on Sunday)
        raise ValueError(f"{visit.capitalize()} tidak dijadwalkan pada hari Minggu.")
    if not SURVEY_HOURS[0] <= local.hour < SURVEY_HOURS[1]:
        raise ValueError(f"Jam {visit} antara {SURVEY_HOURS[0]:02d}.00 dan {SURVEY_HOURS[1]:02d}.00.")
    return when


async def apply_action(
    services: Services, registration_id: int, action: Action, actor: User, *,
    note: str | None = None, reason: str | None = None, survey_date: datetime | None = None, ip: str | None = None,
) -> Status:
    """One lifecycle action in its own transaction (the admin's and the API's way in).
    Raises LookupError, TransitionRefused or ValueError (with an Indonesian message)."""
    async with services.db.transaction() as session:
        registration = await registrations.by_id(session, registration_id, for_update=True)
        if registration is None:
            raise LookupError(registration_id)
        try:
            await act(services, session, registration, action, actor=actor, note=note, reason=reason,
                      survey_date=survey_date, ip=ip)
        except ValueError as exc:
            refusal = Unchanged if str(exc) in UNCHANGED else ValueError
            raise refusal(VALUE_ERRORS.get(str(exc), str(exc))) from exc
        return Status(registration.status)


@staff_view(Permission.VIEW_REGISTRATIONS)
async def registration_action(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    try:
        action = Action(request.match_info["action"])
        permission = ACTION_PERMISSION[action]
    except (ValueError, KeyError):
        raise Refused(404, "Aksi tidak dikenal") from None
    require(staff, permission)
    registration_id = int(request.match_info["id"])
    form = await request.post()
    queue = str(form.get("queue", ""))
    back = f"/admin/registrations/{registration_id}" + (
        f"?queue={queue}" if queue in registrations.WAITING_FOR_STAFF else "")  # the agent's queue, kept
    note = str(form.get("note", "")).strip()[:MAX_NOTE] or None
    reason = str(form.get("reason", "")).strip()[:MAX_NOTE] or None
    try:
        survey_date = parse_survey_date(services, str(form.get("survey_date", ""))) \
            if action is Action.SCHEDULE_SURVEY else None
        status = await apply_action(services, registration_id, action, staff.user, note=note, reason=reason,
                                    survey_date=survey_date, ip=client_ip(request))
    except LookupError:
        raise Refused(404, "Pendaftaran tidak ditemukan") from None
    except TransitionRefused as exc:
        return redirect(request, back, refusal_message(exc), "error")
    except Unchanged as exc:
        return redirect(request, back, str(exc), "error")
    except ValueError as exc:  # the form as sent, to correct, not to type again
        typed = {name: str(form.get(name, ""))[:MAX_NOTE] for name in ("survey_date", "note", "reason")}
        return await detail_page(request, RefusedAction(action.value, typed, str(exc)), queue_asked=queue)
    return redirect(request, back, f"{ACTION_DONE[action]}. Status kini “{status_label(status)}”; "
                                   "pesan WhatsApp sudah diantrekan.")


@staff_view(Permission.VERIFY)
async def bulk_verify(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    ids = sorted({i for v in form.getall("ids", []) if (i := row_id(v)) is not None})[:200]
    note = str(form.get("note", "")).strip()[:MAX_NOTE] or None
    done, skipped = 0, 0
    for registration_id in ids:
        try:
            await apply_action(services, registration_id, Action.VERIFY, staff.user, note=note, ip=client_ip(request))
            done += 1
        except (LookupError, TransitionRefused, ValueError):
            skipped += 1
    back = str(form.get("back", "")) or "/admin/registrations"
    back = back if back.startswith("/admin/registrations") else "/admin/registrations"
    if not ids:
        return redirect(request, back, "Pilih dulu pendaftaran yang akan diverifikasi.", "error")
    message = f"{done} pendaftaran diverifikasi."
    if skipped:
        message += f" {skipped} dilewati karena statusnya tidak memungkinkan."
    return redirect(request, back, message, "ok" if done else "error")


NO_NUMBER = "Data pribadi pendaftaran ini sudah dihapus: tidak ada nomor WhatsApp untuk dihubungi."


@staff_view(Permission.MESSAGE_CUSTOMER)
async def resend(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.transaction() as session:
        registration = await load_registration(request, session)
        if not registration.phone:
            return redirect(request, f"/admin/registrations/{registration.id}", NO_NUMBER, "error")
        template = await messaging.resend_last(services, session, registration, staff.user)
        audit.record(session, action="registration.resend", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="registration",
                     target_id=registration.registration_number, detail={"template": template})
    return redirect(request, f"/admin/registrations/{registration.id}", "Notifikasi terakhir dikirim ulang.")


@staff_view(Permission.MESSAGE_CUSTOMER)
async def custom_message(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()
    back = f"/admin/registrations/{request.match_info['id']}"
    if not text:
        return redirect(request, back, "Pesan tidak boleh kosong.", "error")
    if len(text) > messaging.MAX_CUSTOM_TEXT:
        return redirect(request, back, f"Pesan terlalu panjang (maksimal {messaging.MAX_CUSTOM_TEXT} karakter).", "error")
    async with services.db.transaction() as session:
        registration = await load_registration(request, session)
        if not registration.phone:
            return redirect(request, back, NO_NUMBER, "error")
        await messaging.send_custom(services, session, registration, text, staff.user)
        audit.record(session, action="registration.message", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="registration",
                     target_id=registration.registration_number, detail={"text": text})
    return redirect(request, back, "Pesan WhatsApp diantrekan untuk dikirim.")


@staff_view(Permission.DELETE_REGISTRATION)
async def delete(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.transaction() as session:
        registration = await load_registration(request, session, for_update=True)
        if registration.status not in (Status.REJECTED, Status.CANCELLED):
            return redirect(request, f"/admin/registrations/{registration.id}",
                            "Hanya pendaftaran yang ditolak atau dibatalkan yang dapat dihapus.", "error")
        photo = photo_path(services.settings.data_dir, KTP_PHOTOS, registration.id_card_photo)
        await pending_photos.forget(session, registration.id_card_photo)
        number = registration.registration_number
        await queries.delete_registration(session, registration)
        audit.record(session, action="registration.delete", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="registration", target_id=number)
    if photo is not None:
        photo.unlink(missing_ok=True)
    return redirect(request, "/admin/registrations", f"Pendaftaran {number} dihapus.")


def setup_registration_actions(app: web.Application) -> None:
    app.router.add_post("/admin/registrations/bulk-verify", bulk_verify)
    app.router.add_post(r"/admin/registrations/{id:\d+}/actions/{action}", registration_action)
    app.router.add_post(r"/admin/registrations/{id:\d+}/resend", resend)
    app.router.add_post(r"/admin/registrations/{id:\d+}/message", custom_message)
    app.router.add_post(r"/admin/registrations/{id:\d+}/delete", delete)
