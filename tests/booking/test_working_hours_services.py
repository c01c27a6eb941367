"""Adding or removing a stretch of working hours changes her slots in the same transaction."""

import datetime as dt

import pytest
from django.db import DatabaseError
from django.urls import reverse

from booking.models import Slot
from booking.services import slots as slot_services
from booking.services.slots import add_working_hours, remove_working_hours
from clinics.models import WorkingHours
from tests.factories import WorkingHoursFactory

pytestmark = pytest.mark.django_db

NINE_TO_ONE = {"starts_at": dt.time(9), "ends_at": dt.time(13)}


def test_adding_hours_lays_out_their_slots(therapist):
    created = add_working_hours(hours=WorkingHours(therapist=therapist, weekday=2, **NINE_TO_ONE))

    assert created == Slot.objects.filter(therapist=therapist).count() > 0


def test_removing_hours_withdraws_their_open_slots(therapist):
    add_working_hours(hours=WorkingHours(therapist=therapist, weekday=2, **NINE_TO_ONE))
    count = Slot.objects.filter(therapist=therapist).count()

    removed = remove_working_hours(hours=therapist.working_hours.get())

    assert removed == count
    assert not Slot.objects.filter(therapist=therapist).exists()


def fail_to_lay_out(**kwargs):
    raise DatabaseError("lock timeout")


def test_hours_are_not_saved_when_laying_out_their_slots_fails(therapist, monkeypatch):
    monkeypatch.setattr(slot_services, "relayout_slots", fail_to_lay_out)

    with pytest.raises(DatabaseError):
        add_working_hours(hours=WorkingHours(therapist=therapist, weekday=2, **NINE_TO_ONE))

    assert not therapist.working_hours.exists()


def test_hours_stay_when_withdrawing_their_slots_fails(therapist, monkeypatch):
    stretch = WorkingHoursFactory(therapist=therapist)
    stretch_id = stretch.pk
    monkeypatch.setattr(slot_services, "relayout_slots", fail_to_lay_out)

    with pytest.raises(DatabaseError):
        remove_working_hours(hours=stretch)

    assert therapist.working_hours.filter(pk=stretch_id).exists()


def test_the_hours_page_saves_nothing_when_laying_out_fails(
    client, clinic_admin, therapist, monkeypatch
):
    client.force_login(clinic_admin)
    monkeypatch.setattr(slot_services, "relayout_slots", fail_to_lay_out)

    with pytest.raises(DatabaseError):
        client.post(
            reverse("schedule:hours", args=[therapist.clinic.slug, therapist.pk]),
            {"weekday": 2, "starts_at": "09:00", "ends_at": "13:00"},
        )

    assert not therapist.working_hours.exists()
