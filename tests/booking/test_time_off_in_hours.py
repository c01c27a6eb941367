"""Time off for a few hours: the slots it touches go, the rest of the day stays, and booked
sessions inside it are handled as whole-day time off handles them (kept until blocked)."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking, Slot
from booking.services.slots import InvalidRange, add_time_off, generate_slots
from tests.booking.conftest import next_weekday, slot_at
from tests.factories import BookingFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


MONDAY = 0


def local_times(slots, clinic):
    return sorted(f"{s.starts_at.astimezone(clinic.tz):%H:%M}" for s in slots)


def test_an_afternoon_off_keeps_the_morning(therapist):
    clinic = therapist.clinic
    WorkingHoursFactory(
        therapist=therapist, weekday=MONDAY, starts_at=dt.time(9), ends_at=dt.time(17)
    )
    day = next_weekday(clinic, MONDAY)

    add_time_off(therapist=therapist, starts_on=day, ends_on=day, from_time=dt.time(12, 30))
    slots = generate_slots(therapist=therapist, start=day, end=day)

    # 60-minute sessions with a 15-minute gap: 12:45 would run into the afternoon off, and
    # 11:30–12:30 ends just as it starts.
    assert local_times(slots, clinic) == ["09:00", "10:15", "11:30"]


def test_hours_off_withdraw_only_the_open_slots_they_touch(therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, MONDAY)
    early, middle, late = (slot_at(therapist, day, dt.time(h)) for h in (9, 11, 14))
    booked = slot_at(therapist, day, dt.time(12))
    BookingFactory(slot=booked)

    add_time_off(
        therapist=therapist,
        starts_on=day,
        ends_on=day,
        from_time=dt.time(10, 30),
        until_time=dt.time(13),
        reason="Dentist",
    )

    remaining = set(Slot.objects.filter(therapist=therapist).values_list("pk", flat=True))
    assert remaining == {early.pk, late.pk, booked.pk}
    assert Booking.objects.get(slot=booked).status == Booking.Status.BOOKED
    assert middle.pk not in remaining


def test_an_end_before_the_start_is_refused(therapist):
    day = next_weekday(therapist.clinic, MONDAY)
    with pytest.raises(InvalidRange):
        add_time_off(
            therapist=therapist,
            starts_on=day,
            ends_on=day,
            from_time=dt.time(15),
            until_time=dt.time(10),
        )


def test_form_explains_an_end_before_the_start_and_keeps_her_input(admin_client, therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, MONDAY)
    response = admin_client.post(
        reverse("schedule:time_off", args=[clinic.slug, therapist.pk]),
        {"starts_on": day, "ends_on": day, "from_time": "15:00", "until_time": "10:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["until_time"] == ["The end must be after the start."]
    assert 'value="15:00"' in response.content.decode()


def test_booked_sessions_in_hours_off_lead_to_blocking_just_those_hours(admin_client, therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, MONDAY)
    inside = slot_at(therapist, day, dt.time(14))
    outside = slot_at(therapist, day, dt.time(9))
    inside_booking = BookingFactory(slot=inside)
    outside_booking = BookingFactory(slot=outside)

    response = admin_client.post(
        reverse("schedule:time_off", args=[clinic.slug, therapist.pk]),
        {"starts_on": day, "ends_on": day, "from_time": "13:00", "reason": "Training"},
    )

    location = response["Location"]
    assert location.startswith(reverse("schedule:range", args=[clinic.slug]))
    assert "from_time=13%3A00" in location
    form_page = admin_client.get(location)
    assert form_page.context["form"].initial["from_time"] == "13:00"
    admin_client.post(
        reverse("schedule:range", args=[clinic.slug]),
        {
            "therapist": therapist.pk,
            "starts_on": day,
            "ends_on": day,
            "from_time": "13:00",
            "reason": "Training",
            "action": "block",
            "confirm": "yes",
        },
    )
    inside_booking.refresh_from_db()
    outside_booking.refresh_from_db()
    assert inside_booking.status == Booking.Status.CANCELLED
    assert outside_booking.status == Booking.Status.BOOKED
