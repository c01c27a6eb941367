"""Attendance: one tap from the day view, the clinic's no-show limit, unmarked sessions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Reminder
from booking.services import book_session, mark_attendance, preview_plan
from booking.services.errors import AttendanceError, NoShowLimitReached, NotAllowed
from care import services as care_services
from care.models import SessionHold
from safety.models import AuditEntry
from tests.factories import BookingFactory, SlotFactory, TherapistFactory
from tests.frontdesk.conftest import booked_a_while_ago, local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db


def past_session(therapist, client, *, hours_ago: float = 3, **fields) -> Booking:
    """A session that started ``hours_ago`` (written directly: nobody books the past)."""
    starts_at = (timezone.now() - dt.timedelta(hours=hours_ago)).replace(microsecond=0)
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    return BookingFactory(client=client, slot=slot, **fields)


def test_therapist_marks_her_session_attended_and_corrects_it_to_no_show(therapist):
    client = make_ready_client()
    booking = past_session(therapist, client)

    mark_attendance(booking=booking, outcome="attended", marked_by=therapist.user)
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ATTENDED
    assert booking.attendance_marked_by == therapist.user

    mark_attendance(booking=booking, outcome="no_show", marked_by=therapist.user)
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.NO_SHOW
    assert booking.status == Booking.Status.BOOKED
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.MARKED_ATTENDANCE, client=client).count()
        == 2
    )


def test_a_session_on_hold_is_not_marked_attended_until_its_hold_is_resolved(
    therapist, frozen_clock
):
    client = make_ready_client()
    booking = past_session(therapist, client, hours_ago=-3)  # starts in 3 hours
    result = care_services.record_checkin(
        booking=booking,
        by=client,
        red_flags=["suspected_dvt"],
        anything_new=False,
        pain=5,
        pain_areas=["buttock"],
        sleep_effect="some",
        walking_effect="none",
    )
    assert result.hold_placed
    frozen_clock(booking.starts_at + dt.timedelta(minutes=70))

    with pytest.raises(AttendanceError, match="on hold"):
        mark_attendance(booking=booking, outcome="attended", marked_by=therapist.user)
    booking.refresh_from_db()
    assert booking.attendance == ""
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MARKED_ATTENDANCE).exists()

    care_services.resolve_hold(
        booking=booking,
        by=therapist.user,
        outcome=SessionHold.Outcome.CLEARED,
        cleared_by="Jo Hart, community midwife",
        cleared_on=therapist.clinic.local_date(booking.starts_at),
        note="Scan clear, no clot.",
    )
    mark_attendance(booking=booking, outcome="attended", marked_by=therapist.user)
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ATTENDED


def test_the_day_view_says_why_a_session_on_hold_is_not_marked_attended(
    client, therapist, frozen_clock
):
    mother = make_ready_client()
    booking = past_session(therapist, mother, hours_ago=-3)
    care_services.record_checkin(
        booking=booking,
        by=mother,
        red_flags=["suspected_dvt"],
        anything_new=False,
        pain=5,
        pain_areas=["buttock"],
        sleep_effect="some",
        walking_effect="none",
    )
    frozen_clock(booking.starts_at + dt.timedelta(minutes=70))
    client.force_login(therapist.user)
    url = reverse(
        "frontdesk:attendance", kwargs={"slug": therapist.clinic.slug, "booking_id": booking.pk}
    )
    response = client.post(url, {"outcome": "attended"}, follow=True)
    assert response.status_code == 200
    assert "on hold after a red-flag answer" in response.content.decode()
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_a_session_ahead_cannot_be_marked_attended_or_no_show(clinic, clinic_admin, therapist):
    booking = book_session(
        client=make_ready_client(), slot=slot_at(therapist, local_today(clinic) + dt.timedelta(3))
    )
    for outcome in ("attended", "no_show"):
        with pytest.raises(AttendanceError, match="once it has started"):
            mark_attendance(booking=booking, outcome=outcome, marked_by=clinic_admin)
    with pytest.raises(AttendanceError):
        mark_attendance(booking=booking, outcome="maybe", marked_by=clinic_admin)


def test_cancelled_late_frees_the_time_stops_reminders_and_tells_her(
    clinic, clinic_admin, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    client = make_ready_client()
    booking = book_session(
        client=client, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=1))
    )
    booked_a_while_ago(booking)
    clinic.cancellation_notice_hours = 72
    clinic.save()
    with django_capture_on_commit_callbacks(execute=True):
        mark_attendance(booking=booking, outcome="cancelled_late", marked_by=clinic_admin)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.attendance == Booking.Attendance.CANCELLED_LATE
    assert not booking.reminders.filter(status=Reminder.Status.PENDING).exists()
    assert mailoutbox[-1].to == [client.email]
    with pytest.raises(AttendanceError, match="no longer booked"):
        mark_attendance(booking=booking, outcome="attended", marked_by=clinic_admin)


def test_a_cancellation_in_good_time_is_not_late(clinic, clinic_admin, therapist):
    booking = book_session(
        client=make_ready_client(),
        slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5)),
    )
    with pytest.raises(AttendanceError, match="in good time"):
        mark_attendance(booking=booking, outcome="cancelled_late", marked_by=clinic_admin)


def test_another_therapist_or_clinic_cannot_mark_it(therapist, other_therapist, other_admin):
    booking = past_session(therapist, make_ready_client())
    for who in (other_therapist.user, other_admin):
        with pytest.raises(NotAllowed):
            mark_attendance(booking=booking, outcome="attended", marked_by=who)
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_one_tap_on_the_day_view_marks_the_session(client, clinic, therapist, other_therapist):
    mine = past_session(therapist, make_ready_client(first_name="Maya"))
    theirs = past_session(other_therapist, make_ready_client(first_name="Zoe"), hours_ago=5)
    client.force_login(therapist.user)
    day_url = reverse("frontdesk:day", kwargs={"slug": clinic.slug})
    day = clinic.local_date(mine.starts_at).isoformat()
    page = client.get(day_url, {"day": day})
    assert [b.pk for b in page.context["sessions"]] == [mine.pk]
    assert "No-show" in page.content.decode()

    url = reverse("frontdesk:attendance", kwargs={"slug": clinic.slug, "booking_id": mine.pk})
    response = client.post(url, {"outcome": "attended", "next": f"{day_url}?day={day}"})
    assert response.status_code == 302
    assert response.url == f"{day_url}?day={day}"
    mine.refresh_from_db()
    assert mine.attendance == "attended"
    other = reverse("frontdesk:attendance", kwargs={"slug": clinic.slug, "booking_id": theirs.pk})
    assert client.post(other, {"outcome": "no_show"}).status_code == 404


def test_attendance_redirect_never_leaves_the_site(client, clinic, therapist):
    booking = past_session(therapist, make_ready_client())
    client.force_login(therapist.user)
    url = reverse("frontdesk:attendance", kwargs={"slug": clinic.slug, "booking_id": booking.pk})
    response = client.post(url, {"outcome": "attended", "next": "https://evil.example/"})
    assert response.url.startswith("/front-desk/")


def test_unmarked_past_sessions_are_listed_for_the_admin(
    admin_client, clinic, therapist, other_clinic
):
    unmarked = past_session(therapist, make_ready_client(first_name="Una"))
    past_session(therapist, make_ready_client(), hours_ago=30, attendance="attended")
    past_session(therapist, make_ready_client(), hours_ago=0.5)  # still running
    elsewhere = SlotFactory(
        therapist__clinic=other_clinic,
        starts_at=timezone.now() - dt.timedelta(hours=4),
        ends_at=timezone.now() - dt.timedelta(hours=3),
    )
    BookingFactory(slot=elsewhere)
    page = admin_client.get(reverse("frontdesk:unmarked", kwargs={"slug": clinic.slug}))
    assert [b.pk for b in page.context["sessions"]] == [unmarked.pk]


def test_the_third_booking_after_two_no_shows_is_refused_online_but_staff_can_book(
    clinic, clinic_admin, therapist
):
    assert clinic.no_show_limit == 2
    client = make_ready_client()
    first = past_session(therapist, client, hours_ago=48)
    book_session(client=client, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(3)))
    for booking in (first, past_session(therapist, client, hours_ago=24)):
        mark_attendance(booking=booking, outcome="no_show", marked_by=clinic_admin)

    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    with pytest.raises(NoShowLimitReached) as error:
        book_session(client=client, slot=slot)
    assert clinic.phone in str(error.value)
    with pytest.raises(NoShowLimitReached):
        preview_plan(
            client=client,
            therapist=therapist,
            weekdays=[0],
            local_time=dt.time(10),
            starts_on=local_today(clinic),
        )

    booking = book_session(client=client, slot=slot, booked_by=clinic_admin)
    assert booking.booked_by == clinic_admin


def test_the_slot_page_tells_her_to_call_after_too_many_no_shows(client, clinic, therapist):
    customer = make_ready_client()
    clinic.no_show_limit = 1
    clinic.save()
    past_session(therapist, customer, attendance="no_show")
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    client.force_login(customer)
    response = client.post(reverse("booking:slot", kwargs={"slot_id": slot.pk}))
    assert response.status_code == 409
    assert clinic.phone in response.content.decode()
    assert not Booking.objects.filter(slot=slot).exists()


def test_no_limit_when_the_clinic_sets_none(clinic, therapist):
    clinic.no_show_limit = None
    clinic.save()
    client = make_ready_client()
    for hours_ago in (24, 48, 72):
        past_session(therapist, client, hours_ago=hours_ago, attendance="no_show")
    assert book_session(
        client=client, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    )


def test_no_shows_at_another_clinic_do_not_count(clinic, therapist, other_clinic):
    client = make_ready_client()
    elsewhere = TherapistFactory(clinic=other_clinic)
    for hours_ago in (24, 48):
        past_session(elsewhere, client, hours_ago=hours_ago, attendance="no_show")
    assert book_session(
        client=client, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    )
