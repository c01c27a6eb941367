"""The booking pages: finding a time, booking, her bookings, the therapist's day, and access."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking
from booking.services import book_plan, book_session
from tests.booking.conftest import local_today, make_ready_client, next_weekday, slot_at
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db


def day_of_slots(therapist, day, count):
    return [slot_at(therapist, day, dt.time(8 + hour)) for hour in range(count)]


def test_clinic_list_shows_each_clinics_next_free_time(client, therapist, open_slot):
    ClinicFactory(name="Quiet Clinic")
    response = client.get(reverse("booking:clinics"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Camden Bump Clinic" in page
    assert "Next free time" in page
    assert "No free times at the moment." in page


@pytest.mark.parametrize("slots_per_therapist", [1, 8])
def test_clinic_list_query_count_is_constant(
    client, django_assert_num_queries, slots_per_therapist
):
    for _ in range(3):
        therapist = TherapistFactory()
        day_of_slots(
            therapist, local_today(therapist.clinic) + dt.timedelta(2), slots_per_therapist
        )
    # Each clinic with its next free time as a subquery, and the therapists clients see.
    with django_assert_num_queries(2):
        client.get(reverse("booking:clinics"))


@pytest.mark.parametrize(("therapists", "slots_per_day"), [(1, 1), (6, 8)])
def test_slot_picker_query_count_is_constant_in_the_number_of_slots(
    client, clinic, django_assert_num_queries, therapists, slots_per_day
):
    day = local_today(clinic) + dt.timedelta(days=2)
    for _ in range(therapists):
        therapist = TherapistFactory(clinic=clinic)
        for offset in range(5):
            day_of_slots(therapist, day + dt.timedelta(days=offset), slots_per_day)
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    # the clinic, its therapists with their next free times, the strip's free days with the
    # day's slots
    with django_assert_num_queries(3):
        response = client.get(url, {"day": day.isoformat()})
    assert response.content.decode().count('href="/book/time/') == therapists * slots_per_day


def test_slot_picker_shows_times_in_the_clinic_zone_and_marks_days_without_times(client, therapist):
    clinic = therapist.clinic
    clinic.time_zone = "America/New_York"
    clinic.save()
    day = local_today(clinic) + dt.timedelta(days=3)
    slot_at(therapist, day, dt.time(14, 30))
    response = client.get(
        reverse("booking:clinic", kwargs={"slug": clinic.slug}),
        {"therapist": therapist.slug, "day": day.isoformat()},
    )
    page = response.content.decode()
    assert "14:30" in page
    assert "New York time" in page
    assert "No times" in page
    assert "Next available" in page


def test_picker_without_a_day_opens_on_the_next_free_day(client, therapist):
    day = local_today(therapist.clinic) + dt.timedelta(days=6)
    slot_at(therapist, day, dt.time(11))
    response = client.get(reverse("booking:clinic", kwargs={"slug": therapist.clinic.slug}))
    assert response.context["day"] == day
    assert len(response.context["slots"]) == 1


def test_anonymous_visitor_sees_the_time_and_is_asked_to_log_in(client, open_slot):
    url = reverse("booking:slot", kwargs={"slot_id": open_slot.pk})
    page = client.get(url).content.decode()
    assert "Log in" in page and f"?next={url}" in page
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Booking.objects.exists()


def test_client_without_profile_is_sent_to_her_profile_and_back(client, open_slot):
    client.force_login(UserFactory())
    url = reverse("booking:slot", kwargs={"slot_id": open_slot.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('safety:profile')}?next={url.replace('/', '%2F')}"


def test_booking_a_time_shows_the_confirmation(
    client, ready_client, open_slot, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(ready_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("booking:slot", kwargs={"slot_id": open_slot.pk}), follow=True
        )
    booking = Booking.objects.get(client=ready_client)
    assert response.redirect_chain[-1][0] == reverse("booking:booking", kwargs={"pk": booking.pk})
    page = response.content.decode()
    for expected in [
        "Your session is booked",
        "Rosa Lind",
        "1 High Street",
        "What to bring",
        "Add it to your calendar",
        "Google Calendar",
        "Move to another time",
        "Cancel this session",
        "Notes for your session",
    ]:
        assert expected in page, expected
    assert len(mailoutbox) == 1


def test_a_just_taken_time_says_so_and_offers_the_nearest_free_times(
    client, ready_client, therapist, open_slot
):
    book_session(client=make_ready_client(), slot=open_slot)
    nearby = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5), dt.time(12))
    client.force_login(ready_client)
    response = client.post(reverse("booking:slot", kwargs={"slot_id": open_slot.pk}))
    assert response.status_code == 409
    page = response.content.decode()
    assert "That time was just taken." in page
    assert reverse("booking:slot", kwargs={"slot_id": nearby.pk}) in page


def test_a_safety_block_is_explained_on_the_page(client, open_slot):
    blocked = make_ready_client(conditions=["preeclampsia_signs"])
    client.force_login(blocked)
    url = reverse("booking:slot", kwargs={"slot_id": open_slot.pk})
    page = client.get(url).content.decode()
    assert "can&#x27;t book this session online" in page
    assert "Book this session" not in page
    response = client.post(reverse("booking:slot", kwargs={"slot_id": open_slot.pk}))
    assert response.status_code == 409
    assert "can&#x27;t book this session online" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["booking:booking", "booking:booking_ics", "booking:cancel", "booking:move"]
)
def test_another_clients_booking_is_not_found(client, ready_client, open_slot, name):
    others = BookingFactory(slot=open_slot)
    client.force_login(ready_client)
    assert client.get(reverse(name, kwargs={"pk": others.pk})).status_code == 404


def test_another_clients_booking_cannot_be_cancelled_or_moved(
    client, ready_client, open_slot, therapist
):
    others = BookingFactory(slot=open_slot)
    client.force_login(ready_client)
    target = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=8))
    assert client.post(reverse("booking:cancel", kwargs={"pk": others.pk})).status_code == 404
    move_url = reverse("booking:move", kwargs={"pk": others.pk})
    assert client.post(move_url, {"slot": target.pk}).status_code == 404
    others.refresh_from_db()
    assert others.is_active


def test_another_clients_plan_is_not_found(client, therapist):
    owner = make_ready_client()
    monday = next_weekday(therapist.clinic, 0)
    slot_at(therapist, monday)
    result = book_plan(
        client=owner,
        therapist=therapist,
        weekdays=[0],
        local_time=dt.time(10),
        starts_on=monday,
        ends_on=monday,
    )
    client.force_login(make_ready_client())
    assert (
        client.get(reverse("booking:plan_detail", kwargs={"pk": result.plan.pk})).status_code == 404
    )
    cancel_url = reverse("booking:cancel_plan", kwargs={"pk": result.plan.pk})
    assert client.get(cancel_url).status_code == 404
    assert client.post(cancel_url).status_code == 404


def test_cancelling_the_rest_of_a_plan_is_confirmed_first(client, therapist):
    maya = make_ready_client()
    monday = next_weekday(therapist.clinic, 0)
    for offset in (0, 3, 7):
        slot_at(therapist, monday + dt.timedelta(days=offset))
    result = book_plan(
        client=maya,
        therapist=therapist,
        weekdays=[0, 3],
        local_time=dt.time(10),
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=7),
    )
    client.force_login(maya)
    url = reverse("booking:cancel_plan", kwargs={"pk": result.plan.pk})
    assert "Yes, cancel 3 sessions" in client.get(url).content.decode()
    assert Booking.objects.filter(plan=result.plan, status=Booking.Status.BOOKED).count() == 3
    response = client.post(url, follow=True)
    assert "Cancelled 3 upcoming sessions" in response.content.decode()
    assert not Booking.objects.filter(plan=result.plan, status=Booking.Status.BOOKED).exists()


def test_cancel_from_the_page(client, ready_client, open_slot):
    booking = book_session(client=ready_client, slot=open_slot)
    client.force_login(ready_client)
    response = client.post(reverse("booking:cancel", kwargs={"pk": booking.pk}), follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert "Your session is cancelled" in response.content.decode()


def test_move_from_the_page(client, ready_client, open_slot, therapist):
    booking = book_session(client=ready_client, slot=open_slot)
    target = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=8))
    client.force_login(ready_client)
    page = client.get(reverse("booking:move", kwargs={"pk": booking.pk})).content.decode()
    assert "Move your session" in page
    response = client.post(reverse("booking:move", kwargs={"pk": booking.pk}), {"slot": target.pk})
    new = Booking.objects.get(client=ready_client, status=Booking.Status.BOOKED)
    assert response.url == reverse("booking:booking", kwargs={"pk": new.pk})
    assert new.slot == target


def test_my_bookings_lists_upcoming_and_past_with_flags_in_words(
    client, ready_client, open_slot, therapist
):
    book_session(client=ready_client, slot=open_slot)
    past_slot = slot_at(therapist, local_today(therapist.clinic) - dt.timedelta(days=7))
    BookingFactory(client=ready_client, slot=past_slot, status=Booking.Status.CANCELLED)
    client.force_login(ready_client)
    page = client.get(reverse("booking:my_bookings")).content.decode()
    assert "Upcoming" in page and "Past and cancelled" in page
    assert "on your side" in page  # the side-lying note, in plain words
    assert "Cancelled" in page


def test_all_upcoming_sessions_download_as_one_calendar(client, ready_client, therapist):
    for offset in (3, 5):
        slot = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=offset))
        book_session(client=ready_client, slot=slot)
    BookingFactory(slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(9)))
    client.force_login(ready_client)
    response = client.get(reverse("booking:my_bookings_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    assert response.content.count(b"BEGIN:VEVENT") == 2


def test_therapist_day_lists_her_sessions_in_order_with_week_of_pregnancy(client, therapist):
    clinic = therapist.clinic
    today = local_today(clinic)
    due = today + dt.timedelta(weeks=12)  # 28w0d today
    maya = make_ready_client(first_name="Maya", due_date=due)
    zoe = make_ready_client(first_name="Zoe", due_date=due)
    late = slot_at(therapist, today + dt.timedelta(days=2), dt.time(15))
    early = slot_at(therapist, today + dt.timedelta(days=2), dt.time(9))
    book_session(client=maya, slot=late)
    book_session(client=zoe, slot=early)
    someone_elses = TherapistFactory(clinic=clinic)
    BookingFactory(slot=slot_at(someone_elses, today + dt.timedelta(days=1)))

    client.force_login(therapist.user)
    response = client.get(reverse("sessions:day"))
    sessions = response.context["week_sessions"]
    assert [b.client.first_name for b in sessions] == ["Zoe", "Maya"]
    page = response.content.decode()
    assert "28 weeks and 2 days pregnant" in page  # on the session day, not today
    assert reverse("sessions:review", kwargs={"booking_id": sessions[0].pk}) in page


def test_clients_cannot_see_the_therapist_day(client, ready_client):
    client.force_login(ready_client)
    assert client.get(reverse("sessions:day")).status_code == 403


def test_plan_page_previews_then_books(client, therapist):
    maya = make_ready_client()
    monday = next_weekday(therapist.clinic, 0)
    for offset in range(14):
        slot_at(therapist, monday + dt.timedelta(days=offset))
    client.force_login(maya)
    url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})
    params = {
        "therapist": therapist.pk,
        "weekdays": [0, 3],
        "local_time": "10:00",
        "starts_on": monday.isoformat(),
        "ends_on": (monday + dt.timedelta(days=13)).isoformat(),
    }
    preview = client.get(url, params)
    assert preview.content.decode().count('name="slot"') == 4
    slot_ids = [p.slot.pk for p in preview.context["preview"].dates]
    response = client.post(url, {**params, "slot": slot_ids[:3]}, follow=True)
    assert Booking.objects.filter(client=maya).count() == 3
    assert "Not booked" in response.content.decode()


def test_plan_form_refuses_three_days_and_dates_past_the_due_date(client, therapist):
    maya = make_ready_client()
    for weekday in (0, 2, 4):
        WorkingHoursFactory(therapist=therapist, weekday=weekday, starts_at=dt.time(10))
    client.force_login(maya)
    url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})
    due = maya.pregnancy_profile.due_date
    response = client.get(
        url,
        {
            "therapist": therapist.pk,
            "weekdays": [0, 2, 4],
            "local_time": "10:00",
            "starts_on": local_today(therapist.clinic).isoformat(),
            "ends_on": (due + dt.timedelta(days=1)).isoformat(),
        },
    )
    form = response.context["form"]
    assert "at most two days" in form.errors["weekdays"][0]
    assert "past your due date" in form.errors["ends_on"][0]


def test_plan_with_a_date_taken_meanwhile_is_shown_again_and_nothing_is_booked(client, therapist):
    maya = make_ready_client()
    monday = next_weekday(therapist.clinic, 0)
    slots = [slot_at(therapist, monday + dt.timedelta(days=offset)) for offset in (0, 3)]
    client.force_login(maya)
    url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})
    params = {
        "therapist": therapist.pk,
        "weekdays": [0, 3],
        "local_time": "10:00",
        "starts_on": monday.isoformat(),
        "ends_on": (monday + dt.timedelta(days=6)).isoformat(),
    }
    book_session(client=make_ready_client(), slot=slots[1])

    response = client.post(url, {**params, "slot": [s.pk for s in slots]})

    assert response.status_code == 409
    page = response.content.decode()
    assert "nothing was booked" in page
    assert "Taken" in page
    assert not Booking.objects.filter(client=maya).exists()


def test_staff_see_a_time_but_cannot_book_it(client, therapist, open_slot):
    client.force_login(therapist.user)
    url = reverse("booking:slot", kwargs={"slot_id": open_slot.pk})
    assert "booked by clients" in client.get(url).content.decode()
    assert client.post(url).status_code == 403
    assert not Booking.objects.exists()
