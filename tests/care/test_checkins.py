"""The check-in before a session: its window, red flags putting the session on hold, the hold's
outcome, and her answers re-evaluating her sessions' flags."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from booking.models import Booking, Reminder
from booking.services import flags
from care import services
from care.errors import CheckInClosed, HoldError, SessionOnHold
from care.models import CheckIn, SessionHold
from care.services import AdaptCheck, NoteContent
from safety import services as safety
from safety.models import AuditEntry, Severity
from tests.care.conftest import NOW
from tests.factories import (
    ClinicFactory,
    IntakeResponseFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CALM = {
    "red_flags": [],
    "anything_new": False,
    "pain": 6,
    "pain_areas": ["buttock", "back_of_thigh"],
    "sleep_effect": "some",
    "walking_effect": "none",
}


def checkin_post(*, red_flags=(), none_apply=True, pain="7", anything_new=False) -> dict:
    data = {
        "red_flags": list(red_flags),
        "pain": pain,
        "pain_areas": ["buttock"],
        "sleep_effect": "a_lot",
        "walking_effect": "some",
    }
    if none_apply and not red_flags:
        data["none_apply"] = "on"
    if anything_new:
        data["anything_new"] = "on"
    return data


def open_codes(booking) -> dict[str, str]:
    return {flag.code: flag.severity for flag in flags.open_flags(booking)}


# --- A red flag puts the session on hold ---------------------------------------------------


def test_swollen_leg_puts_the_session_on_hold_and_tells_therapist_and_clinic_once(
    session, therapist, clinic_admin, mailoutbox, django_capture_on_commit_callbacks
):
    answers = {**CALM, "red_flags": ["suspected_dvt"]}
    with django_capture_on_commit_callbacks(execute=True):
        result = services.record_checkin(booking=session, by=session.client, **answers)

    assert result.hold_placed
    assert result.hold.red_flags == ["suspected_dvt"]
    assert not services.session_may_start(session)
    assert open_codes(session)["suspected_dvt"] == Severity.BLOCK
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == sorted([therapist.user.email, clinic_admin.email])
    assert Reminder.objects.filter(kind__in=["hold_therapist", "hold_clinic"]).count() == 2
    therapist_mail = next(mail for mail in mailoutbox if mail.to == [therapist.user.email])
    assert "On hold" in therapist_mail.subject
    assert "Is one of your legs swollen, warm, red or painful right now?" in therapist_mail.body

    # Answering again, still with the red flag, adds no second hold and no second message.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.record_checkin(booking=session, by=session.client, **answers)
    assert not again.hold_placed
    assert SessionHold.objects.filter(booking=session).count() == 1
    assert len(mailoutbox) == 2
    assert Reminder.objects.filter(kind__in=["hold_therapist", "hold_clinic"]).count() == 2


def test_a_session_on_hold_cannot_start_until_a_therapist_records_what_happened(
    session, therapist, frozen_now
):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["suspected_dvt"]}
    )
    frozen_now.move(session.starts_at + dt.timedelta(minutes=5))
    content = NoteContent(
        positions=["left_side"],
        bolsters="",
        areas_worked=["low_back"],
        techniques="Light",
        areas_avoided="",
        pain_after=3,
        free_text="",
        adapt_checks=[
            AdaptCheck(code=flag.code, title=flag.title, followed=True)
            for flag in services.notes.adapt_flags(session)
        ],
    )
    with pytest.raises(SessionOnHold):
        services.sign_note(booking=session, by=therapist.user, content=content)

    services.resolve_hold(
        booking=session,
        by=therapist.user,
        outcome=SessionHold.Outcome.CLEARED,
        cleared_by="Jo Hart, community midwife",
        cleared_on=NOW.date(),
        note="Scan clear, no clot.",
    )
    assert services.session_may_start(session)
    assert "suspected_dvt" not in open_codes(session)
    note = services.sign_note(booking=session, by=therapist.user, content=content)
    assert note.version == 1


def test_cancelling_a_held_session_frees_it_at_no_charge_even_inside_the_notice_period(
    session, therapist, frozen_now
):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["fever_or_infection"]}
    )
    frozen_now.move(session.starts_at - dt.timedelta(hours=1))
    hold = services.resolve_hold(
        booking=session, by=therapist.user, outcome=SessionHold.Outcome.CANCELLED
    )
    session.refresh_from_db()
    assert session.status == Booking.Status.CANCELLED
    assert session.cancelled_by == Booking.CancelledBy.CLINIC
    assert "free of charge" in session.cancel_reason
    assert hold.outcome == SessionHold.Outcome.CANCELLED
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RESOLVED_HOLD).count() == 1


def test_a_clearance_needs_the_clinician_and_a_date_on_or_after_the_red_flag(session, therapist):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["suspected_dvt"]}
    )
    with pytest.raises(HoldError, match="name and role"):
        services.resolve_hold(
            booking=session, by=therapist.user, outcome="cleared", cleared_on=NOW.date()
        )
    with pytest.raises(HoldError, match="on or after"):
        services.resolve_hold(
            booking=session,
            by=therapist.user,
            outcome="cleared",
            cleared_by="Jo Hart, midwife",
            cleared_on=NOW.date() - dt.timedelta(days=1),
        )
    assert not services.session_may_start(session)


def test_resolving_a_session_that_is_not_on_hold_is_refused(session, therapist):
    with pytest.raises(HoldError):
        services.resolve_hold(booking=session, by=therapist.user, outcome="cancelled")


# --- Her answers re-evaluate the flags -----------------------------------------------------


def test_a_calm_check_in_updates_this_and_later_sessions_when_her_answers_changed(
    session, later_session
):
    # She told us about new varicose veins since the flags were written.
    IntakeResponseFactory(client=session.client, conditions=["sciatica", "varicose_veins"])
    assert "varicose_veins" not in open_codes(session)

    result = services.record_checkin(booking=session, by=session.client, **CALM)

    assert result.hold is None
    assert open_codes(session)["varicose_veins"] == Severity.ADAPT
    assert open_codes(later_session)["varicose_veins"] == Severity.ADAPT
    assert services.session_may_start(session)


def test_a_red_flag_holds_only_that_session_not_her_later_ones(session, later_session):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["suspected_dvt"]}
    )
    assert "suspected_dvt" in open_codes(session)
    assert "suspected_dvt" not in open_codes(later_session)
    assert services.session_may_start(later_session)


# --- The window and who may check in -------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "is_open"),
    [
        (dt.timedelta(hours=-48, minutes=-1), False),
        (dt.timedelta(hours=-48), True),
        (dt.timedelta(minutes=-5), True),
        (dt.timedelta(minutes=59), True),
        (dt.timedelta(hours=1), False),
    ],
)
def test_check_in_is_open_from_48_hours_before_until_the_session_ends(
    session, frozen_now, offset, is_open
):
    frozen_now.move(session.starts_at + offset)
    assert services.checkin_is_open(session) is is_open
    if is_open:
        services.record_checkin(booking=session, by=session.client, **CALM)
        assert CheckIn.objects.filter(booking=session).exists()
    else:
        with pytest.raises(CheckInClosed):
            services.record_checkin(booking=session, by=session.client, **CALM)
        assert not CheckIn.objects.exists()


def test_a_cancelled_session_has_no_check_in(session):
    session.status = Booking.Status.CANCELLED
    session.save()
    with pytest.raises(CheckInClosed):
        services.record_checkin(booking=session, by=session.client, **CALM)


def test_a_closed_check_in_page_says_when_it_opens(client, mother, therapist, frozen_now):
    from tests.care.conftest import session_at

    far = session_at(client=mother, therapist=therapist, starts_at=NOW + dt.timedelta(days=5))
    client.force_login(mother)
    response = client.get(reverse("care:checkin", args=[far.pk]))
    assert response.status_code == 200
    assert "The check-in opens 48 hours before your session" in response.content.decode()
    response = client.post(reverse("care:checkin", args=[far.pk]), checkin_post())
    assert response.status_code == 409
    assert not CheckIn.objects.exists()


def test_only_her_own_sessions(client, session):
    other = UserFactory()
    client.force_login(other)
    assert client.get(reverse("care:checkin", args=[session.pk])).status_code == 404
    assert (
        client.post(reverse("care:checkin", args=[session.pk]), checkin_post()).status_code == 404
    )
    assert client.get(reverse("care:checkin_done", args=[session.pk])).status_code == 404
    assert not CheckIn.objects.exists()


# --- The pages -----------------------------------------------------------------------------


def test_her_next_screen_after_a_red_flag_says_contact_the_midwife_now(client, session):
    client.force_login(session.client)
    response = client.post(
        reverse("care:checkin", args=[session.pk]),
        checkin_post(red_flags=["suspected_dvt"], none_apply=False),
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("care:checkin_done", args=[session.pk])
    assert "Please contact your midwife or maternity unit now" in page
    assert "call 999 now" in page  # London clinic: chest pain or breathlessness
    clinic = session.slot.therapist.clinic
    assert clinic.phone in page
    assert "on hold" in page


def test_an_unanswered_red_flag_list_is_not_taken_as_no(client, session):
    client.force_login(session.client)
    response = client.post(
        reverse("care:checkin", args=[session.pk]), checkin_post(none_apply=False)
    )
    assert response.status_code == 400
    assert "Tick what applies, or “None of these”." in response.content.decode()
    # What she chose stays chosen beside the message.
    assert re.search(r'name="pain" value="7"[^>]*checked', response.content.decode())
    assert not CheckIn.objects.exists()


def test_anything_new_opens_her_health_answers_next(client, session, later_session):
    client.force_login(session.client)
    response = client.post(
        reverse("care:checkin", args=[session.pk]), checkin_post(anything_new=True)
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("safety:intake"))
    done = reverse("care:checkin_done", args=[session.pk])
    assert "next=" in response.url and done.replace("/", "%2F") in response.url


def test_therapist_day_shows_not_checked_in_checked_in_and_on_hold(
    client, session, therapist, mother, frozen_now
):
    from tests.care.conftest import session_at

    calm = session_at(client=mother, therapist=therapist, starts_at=NOW + dt.timedelta(hours=27))
    quiet = session_at(client=mother, therapist=therapist, starts_at=NOW + dt.timedelta(hours=29))
    services.record_checkin(booking=session, by=mother, **{**CALM, "red_flags": ["suspected_dvt"]})
    services.record_checkin(booking=calm, by=mother, **CALM)

    client.force_login(therapist.user)
    page = client.get(reverse("sessions:day")).content.decode()
    assert page.count("On hold") == 1
    assert page.count("Checked in") == 1
    assert page.count("Not checked in") == 1
    assert page.index("On hold") < page.index("Checked in") < page.index("Not checked in")
    assert quiet.pk


def test_therapist_checks_her_in_at_the_door(client, session, therapist):
    client.force_login(therapist.user)
    url = reverse("care:door_checkin", args=[session.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, checkin_post(pain="5"))
    assert response.status_code == 302
    checkin = CheckIn.objects.get(booking=session)
    assert checkin.recorded_by == therapist.user
    assert checkin.pain == 5


def test_therapist_records_the_outcome_of_a_hold_on_the_session_page(client, session, therapist):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["suspected_dvt"]}
    )
    client.force_login(therapist.user)
    page = client.get(reverse("care:session", args=[session.pk])).content.decode()
    assert "On hold: do not start this session." in page
    response = client.post(
        reverse("care:resolve_hold", args=[session.pk]), {"outcome": "cleared", "cleared_by": ""}
    )
    assert response.status_code == 400
    assert "Give the name and role of the clinician." in response.content.decode()
    response = client.post(
        reverse("care:resolve_hold", args=[session.pk]),
        {
            "outcome": "cleared",
            "cleared_by": "Jo Hart, midwife",
            "cleared_on": NOW.date().isoformat(),
        },
    )
    assert response.status_code == 302
    assert services.session_may_start(session)


def test_staff_of_another_clinic_get_404_for_check_in_hold_notes_and_chart(client, session):
    stranger = TherapistFactory(clinic=ClinicFactory(name="Brooklyn Bump"))
    admin_elsewhere = UserFactory()
    ClinicFactory(name="Other", admin=admin_elsewhere)
    for user in (stranger.user, admin_elsewhere):
        client.force_login(user)
        for name in ("session", "door_checkin", "note", "client_progress"):
            assert client.get(reverse(f"care:{name}", args=[session.pk])).status_code == 404
        assert client.post(reverse("care:resolve_hold", args=[session.pk])).status_code == 404
        assert client.post(reverse("care:note", args=[session.pk]), {}).status_code == 404


def test_a_colleague_reads_her_notes_but_not_the_session_check_in(
    client, session, therapist, frozen_now
):
    services.record_checkin(booking=session, by=session.client, **CALM)
    frozen_now.move(session.starts_at + dt.timedelta(minutes=55))
    services.sign_note(
        booking=session,
        by=therapist.user,
        content=NoteContent(
            positions=["left_side"],
            bolsters="",
            areas_worked=["low_back"],
            techniques="Slow piriformis release",
            areas_avoided="",
            pain_after=3,
            free_text="",
            adapt_checks=[
                AdaptCheck(code=flag.code, title=flag.title, followed=True)
                for flag in services.notes.adapt_flags(session)
            ],
        ),
    )
    colleague = TherapistFactory(clinic=therapist.clinic)
    client.force_login(colleague.user)
    assert client.get(reverse("care:session", args=[session.pk])).status_code == 404
    assert client.get(reverse("care:door_checkin", args=[session.pk])).status_code == 404
    page = client.get(reverse("care:client_progress", args=[session.pk]))
    assert page.status_code == 200
    assert "Slow piriformis release" in page.content.decode()
    assert AuditEntry.objects.filter(
        actor=colleague.user, action=AuditEntry.Action.VIEWED_NOTES
    ).exists()


def test_booking_asks_the_hold_before_a_session_is_marked_started(session):
    from booking.services.start_checks import reasons_not_to_start

    assert reasons_not_to_start(session) == []
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["preeclampsia_signs"]}
    )
    (reason,) = reasons_not_to_start(session)
    assert "on hold" in reason


def test_changing_her_answers_later_keeps_the_held_sessions_red_flag(session, later_session):
    services.record_checkin(
        booking=session, by=session.client, **{**CALM, "red_flags": ["suspected_dvt"]}
    )
    safety.record_intake(
        client=session.client, conditions=["sciatica", "varicose_veins"], notes={}, consent=True
    )
    assert open_codes(session)["suspected_dvt"] == Severity.BLOCK
    assert open_codes(session)["varicose_veins"] == Severity.ADAPT
    assert "suspected_dvt" not in open_codes(later_session)


# --- After the birth -----------------------------------------------------------------------

POSTNATAL_BLEEDING = "Since the birth: bleeding that soaks a pad in an hour"


def test_before_the_birth_the_check_in_asks_no_postnatal_question(client, session):
    client.force_login(session.client)
    page = client.get(reverse("care:checkin", args=[session.pk])).content.decode()

    assert "Is one of your legs swollen, warm, red or painful right now?" in page
    assert POSTNATAL_BLEEDING not in page
    with pytest.raises(ValueError, match="Not a check-in question"):
        services.record_checkin(
            booking=session,
            by=session.client,
            **{**CALM, "red_flags": ["postnatal_heavy_bleeding"]},
        )


def test_after_the_birth_heavy_bleeding_puts_the_session_on_hold(client, session, mailoutbox):
    profile = safety.pregnancy_profile(session.client)
    profile.birth_date, profile.delivery = NOW.date() - dt.timedelta(days=20), "vaginal"
    profile.save()
    client.force_login(session.client)

    page = client.get(reverse("care:checkin", args=[session.pk])).content.decode()
    assert POSTNATAL_BLEEDING in page
    assert "Chest pain, or suddenly short of breath" in page
    assert "Is one of your legs swollen, warm, red or painful right now?" in page

    response = client.post(
        reverse("care:checkin", args=[session.pk]),
        checkin_post(red_flags=["postnatal_heavy_bleeding"], none_apply=False),
        follow=True,
    )
    assert "Heavy bleeding or large clots after the birth" in response.content.decode()
    assert services.open_hold(session).red_flags == ["postnatal_heavy_bleeding"]
    assert open_codes(session)["postnatal_heavy_bleeding"] == Severity.BLOCK
