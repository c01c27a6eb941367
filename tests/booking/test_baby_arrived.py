"""The baby has arrived: prenatal sessions end cleanly and postnatal rules take over."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Plan, Reminder
from booking.services import book_plan, book_session
from booking.services.births import BABY_ARRIVED, record_baby_arrival
from booking.services.errors import SafetyBlocked
from safety.births import BirthError
from safety.models import AuditEntry
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import BookingFactory, ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(clinic):
    return make_ready_client(
        due_date=local_today(clinic) + dt.timedelta(weeks=2),
        first_name="Maya",
        email="maya@example.com",
    )


@pytest.fixture
def sessions(mother, therapist, clinic):
    """Her session yesterday, one in three hours (inside the notice period), a weekly plan."""
    today = local_today(clinic)
    now = timezone.localtime(timezone.now(), clinic.tz)
    past = BookingFactory(
        client=mother, slot=slot_at(therapist, today - dt.timedelta(days=1), dt.time(10))
    )
    soon_at = (now + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    soon = book_session(client=mother, slot=slot_at(therapist, soon_at.date(), soon_at.time()))
    start = today + dt.timedelta(days=2)
    for n in range(12):
        slot_at(therapist, start + dt.timedelta(days=n), dt.time(15))
    plan = book_plan(
        client=mother,
        therapist=therapist,
        weekdays=[start.weekday()],
        local_time=dt.time(15),
        starts_on=start,
        ends_on=start + dt.timedelta(days=11),
    )
    return {"past": past, "soon": soon, "plan": plan.plan, "plan_sessions": plan.booked}


def test_baby_arrived_between_sessions_cancels_the_later_ones_without_the_notice_rule(
    mother,
    therapist,
    clinic,
    clinic_admin,
    sessions,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    later = [sessions["soon"], *sessions["plan_sessions"]]
    assert Reminder.objects.filter(booking__in=later, status="pending").exists()

    with django_capture_on_commit_callbacks(execute=True):
        arrival = record_baby_arrival(
            client=mother, birth_date=local_today(clinic), delivery="vaginal", recorded_by=mother
        )

    assert {b.pk for b in arrival.cancelled} == {b.pk for b in later}
    for booking in later:
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancel_reason == BABY_ARRIVED
    sessions["past"].refresh_from_db()
    assert sessions["past"].status == Booking.Status.BOOKED
    assert (
        not Reminder.objects.reminders()
        .filter(booking__in=later, status__in=["pending", "sending"])
        .exists()
    )
    sessions["plan"].refresh_from_db()
    assert sessions["plan"].status == Plan.Status.ENDED

    # One outbox row each: hers, the clinic's admin's and the therapist's, all sent.
    notices = Reminder.objects.filter(
        kind__in=[Reminder.Notice.BABY_ARRIVED, Reminder.Notice.BABY_ARRIVED_STAFF]
    )
    assert sorted((row.kind, row.recipient_id, row.status) for row in notices) == sorted(
        [
            (Reminder.Notice.BABY_ARRIVED, mother.pk, Reminder.Status.SENT),
            (Reminder.Notice.BABY_ARRIVED_STAFF, clinic_admin.pk, Reminder.Status.SENT),
            (Reminder.Notice.BABY_ARRIVED_STAFF, therapist.user_id, Reminder.Status.SENT),
        ]
    )
    by_recipient = {tuple(m.to): m for m in mailoutbox}
    assert set(by_recipient) == {(mother.email,), (clinic_admin.email,), (therapist.user.email,)}
    assert "Congratulations" in by_recipient[(mother.email,)].subject
    for message in mailoutbox:
        assert message.body.count(" with Rosa Lind") == len(later)
    assert "Maya" in by_recipient[(clinic_admin.email,)].subject
    assert by_recipient[(therapist.user.email,)].reply_to == [clinic.email]


def test_postnatal_booking_ten_days_after_a_caesarean_is_refused_with_the_rules_message(
    mother, therapist, clinic
):
    today = local_today(clinic)
    record_baby_arrival(client=mother, birth_date=today, delivery="caesarean", recorded_by=mother)
    with pytest.raises(SafetyBlocked) as refused:
        book_session(client=mother, slot=slot_at(therapist, today + dt.timedelta(days=10)))
    assert (
        "We can't book a massage in the first two weeks after a caesarean, while your wound "
        "heals." in str(refused.value)
    )
    assert not Booking.objects.filter(client=mother).exists()


def test_postnatal_booking_seven_weeks_after_a_caesarean_has_the_scar_rule(
    mother, therapist, clinic
):
    clinic.booking_horizon_weeks = 10
    clinic.save()
    today = local_today(clinic)
    record_baby_arrival(client=mother, birth_date=today, delivery="caesarean", recorded_by=mother)
    booking = book_session(client=mother, slot=slot_at(therapist, today + dt.timedelta(weeks=7)))
    flags = {flag.code: flag for flag in booking.safety_flags.filter(closed_at__isnull=True)}
    assert set(flags) == {"caesarean_scar", "postnatal"}
    assert flags["caesarean_scar"].severity == "adapt"
    assert flags["caesarean_scar"].ruleset_version == "2026.12"


def test_a_refused_birth_leaves_her_sessions_booked(mother, clinic, sessions):
    with pytest.raises(BirthError):
        record_baby_arrival(
            client=mother,
            birth_date=local_today(clinic) + dt.timedelta(days=1),
            delivery="vaginal",
            recorded_by=mother,
        )
    assert not Booking.objects.filter(client=mother, status="cancelled").exists()
    assert Plan.objects.get().status == Plan.Status.ACTIVE


def test_she_records_the_arrival_and_sees_what_was_cancelled(client, mother, clinic, sessions):
    client.force_login(mother)
    page = client.get(reverse("booking:baby_arrived"))
    assert "My baby has arrived" in page.content.decode()
    response = client.post(
        reverse("booking:baby_arrived"),
        {"birth_date": local_today(clinic).isoformat(), "delivery": "vaginal"},
        follow=True,
    )
    body = response.content.decode()
    assert "Prenatal sessions cancelled" in body
    assert body.count('badge text-bg-secondary">Cancelled') == 1 + len(sessions["plan_sessions"])
    assert "Plan weekly sessions at Camden Bump Clinic" in body


def test_a_bad_birth_date_is_shown_beside_the_field_and_keeps_her_input(client, mother, clinic):
    client.force_login(mother)
    tomorrow = (local_today(clinic) + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("booking:baby_arrived"), {"birth_date": tomorrow, "delivery": "caesarean"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "can&#x27;t be in the future" in body
    assert f'value="{tomorrow}"' in body
    mother.pregnancy_profile.refresh_from_db()
    assert mother.pregnancy_profile.birth_date is None


def test_the_clinic_records_the_birth_on_her_behalf(client, mother, clinic, clinic_admin, sessions):
    client.force_login(clinic_admin)
    url = reverse("sessions:baby_arrived", kwargs={"booking_id": sessions["soon"].pk})
    response = client.post(
        url, {"birth_date": local_today(clinic).isoformat(), "delivery": "vaginal"}, follow=True
    )
    assert "Prenatal sessions cancelled" in response.content.decode()
    sessions["soon"].refresh_from_db()
    assert sessions["soon"].cancelled_by == Booking.CancelledBy.CLINIC
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECORDED_BIRTH)
    assert (entry.actor, entry.client, entry.clinic) == (clinic_admin, mother, clinic)


def test_another_clinics_admin_gets_a_404(client, mother, sessions):
    stranger = UserFactory()
    ClinicFactory(admin=stranger)
    client.force_login(stranger)
    url = reverse("sessions:baby_arrived", kwargs={"booking_id": sessions["soon"].pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"birth_date": "2026-01-01", "delivery": "vaginal"}).status_code == 404
