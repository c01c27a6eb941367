"""The Django admin cannot write what only services may write (bookings, flags, messages …).

Saving a Booking in the admin would skip the safety evaluation, the flags and the outbox, so
the operator can look at every such model but not add, change or delete one.
"""

import pytest
from django.urls import reverse

from booking.models import Booking, Reminder
from safety.models import SafetyFlag
from tests.booking.conftest import make_ready_client
from tests.factories import BookingFactory, SlotFactory, TimeOffFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "booking_booking",
    "booking_plan",
    "booking_slot",
    "booking_reminder",
    "safety_safetyflag",
    "safety_clearance",
    "safety_pregnancyprofile",
    "safety_intakeresponse",
    "safety_auditentry",
    "clinics_workinghours",
    "clinics_timeoff",
]


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.parametrize("model", READ_ONLY)
def test_operator_cannot_add_through_the_admin(operator_client, model):
    assert operator_client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_adding_a_booking_through_the_admin_is_refused_and_writes_nothing(operator_client):
    client = make_ready_client()
    slot = SlotFactory()

    response = operator_client.post(
        reverse("admin:booking_booking_add"),
        {
            "client": client.pk,
            "slot": slot.pk,
            "starts_at_0": "2030-01-01",
            "starts_at_1": "10:00",
            "ends_at_0": "2030-01-01",
            "ends_at_1": "11:00",
            "status": "booked",
        },
    )

    assert response.status_code == 403
    assert not Booking.objects.exists()
    assert not SafetyFlag.objects.exists()
    assert not Reminder.objects.exists()


def test_a_booking_can_be_looked_at_but_not_changed_or_deleted(operator_client):
    booking = BookingFactory()
    change_url = reverse("admin:booking_booking_change", args=[booking.pk])

    page = operator_client.get(change_url)
    assert page.status_code == 200
    assert str(booking.client) in page.content.decode()
    assert 'name="_save"' not in page.content.decode()

    refused = operator_client.post(change_url, {"status": "cancelled"})
    assert refused.status_code == 403
    deleted = operator_client.post(
        reverse("admin:booking_booking_delete", args=[booking.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_every_read_only_model_still_lists_and_opens(operator_client, therapist):
    BookingFactory()
    WorkingHoursFactory(therapist=therapist)
    TimeOffFactory(therapist=therapist)
    for model in ["booking_booking", "booking_slot", "clinics_workinghours", "clinics_timeoff"]:
        changelist = operator_client.get(reverse(f"admin:{model}_changelist"))
        assert changelist.status_code == 200
        obj = changelist.context["cl"].queryset.first()
        assert (
            operator_client.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200
        )


def test_a_therapist_joins_by_invitation_not_through_the_admin(operator_client, therapist):
    assert operator_client.get(reverse("admin:clinics_therapist_add")).status_code == 403
    page = operator_client.get(reverse("admin:clinics_therapist_change", args=[therapist.pk]))
    assert page.status_code == 200
    # Her bio stays editable; whether she works here does not (slots follow it).
    assert 'name="bio"' in page.content.decode()
    assert 'name="is_active"' not in page.content.decode()
