"""The clinic's dashboard opens on today: five counts, each linking to its list, in a fixed
number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.today import today_at
from booking.models import Reminder
from booking.services import book_session
from booking.services import flags as flag_services
from care.models import SessionHold
from safety.models import Clearance
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import BookingFactory, SlotFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def a_busy_clinic(therapist, *, extra: int = 0):
    """Two sessions needing a clearance (one covered), one on a block flag, one held at
    check-in, a session today, an unmarked past session and a failed message."""
    today = local_today(therapist.clinic)
    hypertension = [make_ready_client(conditions=["hypertension"]) for _ in range(2 + extra)]
    for offset, mother in enumerate(hypertension):
        book_session(client=mother, slot=slot_at(therapist, today + dt.timedelta(days=3 + offset)))
    Clearance.objects.create(
        client=hypertension[0],
        code="hypertension",
        issued_by="Dr Ana Reyes",
        issued_on=today,
        recorded_by=therapist.user,
    )
    blocked = book_session(
        client=make_ready_client(), slot=slot_at(therapist, today + dt.timedelta(days=9))
    )
    blocked.client.intake_responses.update(conditions=["suspected_dvt"])
    flag_services.write_flags(booking=blocked)
    held = book_session(
        client=make_ready_client(), slot=slot_at(therapist, today + dt.timedelta(days=10))
    )
    SessionHold.objects.create(booking=held, red_flags=["suspected_dvt"])
    later_today = timezone.now() + dt.timedelta(minutes=5)
    BookingFactory(
        slot=SlotFactory(
            therapist=therapist, starts_at=later_today, ends_at=later_today + dt.timedelta(hours=1)
        )
    )
    past = timezone.now() - dt.timedelta(days=2)
    BookingFactory(
        slot=SlotFactory(therapist=therapist, starts_at=past, ends_at=past + dt.timedelta(hours=1))
    )
    Reminder.objects.filter(booking=held).update(status=Reminder.Status.FAILED)


def test_the_counts_are_what_needs_her(therapist, frozen_clock):
    frozen_clock(dt.datetime(2027, 3, 2, 9, tzinfo=dt.UTC))  # a Tuesday morning in London
    a_busy_clinic(therapist)
    elsewhere = TherapistFactory()
    a_busy_clinic(elsewhere)  # another clinic's sessions never count here

    today = today_at(therapist.clinic)

    assert today.clearances_outstanding == 1
    assert today.red_flag_holds == 2
    assert today.unmarked_sessions == 1
    # The held session's booking confirmation and reminders, all failed.
    assert today.failed_messages == Reminder.objects.filter(status="failed").count() // 2 > 0
    assert today.sessions_today == 1


@pytest.mark.parametrize("extra", [0, 3])
def test_dashboard_opens_on_today_in_a_fixed_number_of_queries(
    client, clinic_admin, therapist, django_assert_num_queries, extra
):
    a_busy_clinic(therapist, extra=extra)
    client.force_login(clinic_admin)
    # session, user (with her role), the clinic, therapists, the counts, failed messages
    with django_assert_num_queries(6):
        response = client.get(reverse("clinics:clinic_home", args=[therapist.clinic.slug]))
    page = response.content.decode()
    assert response.context["today"].clearances_outstanding == 1 + extra
    assert reverse("clinics:attention", args=[therapist.clinic.slug, "clearances"]) in page
    assert reverse("clinics:attention", args=[therapist.clinic.slug, "holds"]) in page
    assert reverse("frontdesk:unmarked", args=[therapist.clinic.slug]) in page


def test_each_list_shows_the_sessions_behind_its_count(client, clinic_admin, therapist):
    a_busy_clinic(therapist)
    client.force_login(clinic_admin)
    slug = therapist.clinic.slug

    clearances = client.get(reverse("clinics:attention", args=[slug, "clearances"]))
    holds = client.get(reverse("clinics:attention", args=[slug, "holds"]))

    assert len(clearances.context["sessions"]) == 1
    assert len(holds.context["sessions"]) == 2
    assert client.get(reverse("clinics:attention", args=[slug, "nonsense"])).status_code == 404


def test_another_clinics_lists_are_not_found(client, clinic_admin):
    other = TherapistFactory()
    client.force_login(clinic_admin)
    url = reverse("clinics:attention", args=[other.clinic.slug, "holds"])
    assert client.get(url).status_code == 404
