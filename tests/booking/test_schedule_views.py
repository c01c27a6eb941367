"""The clinic admin's schedule pages: the week, blocking, reopening and laying out slots."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.schedule import monday_of
from booking.models import Booking, Slot
from tests.factories import (
    BookingFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db


def next_monday(clinic) -> dt.date:
    return monday_of(timezone.localdate(timezone=clinic.tz)) + dt.timedelta(weeks=1)


def at(clinic, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clinic.tz)


def slot_at(therapist, day, hour, **kwargs):
    starts_at = at(therapist.clinic, day, hour)
    return SlotFactory(
        therapist=therapist,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        **kwargs,
    )


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


def week_url(clinic, monday, **params):
    query = "&".join(f"{k}={v}" for k, v in {"week": monday, **params}.items())
    return f"{reverse('schedule:week', args=[clinic.slug])}?{query}"


class TestWeek:
    def test_shows_open_booked_with_first_name_and_blocked_in_clinic_time(
        self, admin_client, clinic, therapist
    ):
        monday = next_monday(clinic)
        slot_at(therapist, monday, 9)
        booked = slot_at(therapist, monday, 10)
        BookingFactory(slot=booked, client=UserFactory(first_name="Maya", last_name="Okafor"))
        slot_at(therapist, monday, 12, status=Slot.Status.BLOCKED, block_reason="Training")

        response = admin_client.get(week_url(clinic, monday))

        html = response.content.decode()
        assert response.status_code == 200
        assert "09:00 · Open" in html
        assert "10:00 · Maya" in html
        assert "Okafor" not in html
        assert "12:00 · Blocked" in html
        assert "London time" in html and "Europe/London" not in html

    def test_a_cancelled_booking_shows_the_slot_open(self, admin_client, clinic, therapist):
        monday = next_monday(clinic)
        BookingFactory(slot=slot_at(therapist, monday, 9), status=Booking.Status.CANCELLED)

        html = admin_client.get(week_url(clinic, monday)).content.decode()

        assert "09:00 · Open" in html

    def test_previous_and_next_week_links(self, admin_client, clinic, therapist):
        monday = next_monday(clinic)

        response = admin_client.get(week_url(clinic, monday + dt.timedelta(days=3)))

        grid = response.context["grid"]
        assert grid.monday == monday
        html = response.content.decode()
        assert f"?week={monday - dt.timedelta(weeks=1)}" in html
        assert f"?week={monday + dt.timedelta(weeks=1)}" in html

    @pytest.mark.parametrize("week", ["not-a-date", "9999-12-31", "0001-01-01"])
    def test_a_nonsense_week_shows_this_week(self, admin_client, clinic, therapist, week):
        response = admin_client.get(week_url(clinic, week))

        assert response.context["grid"].monday == monday_of(timezone.localdate(timezone=clinic.tz))

    def test_filters_to_one_therapist(self, admin_client, clinic, therapist):
        colleague = TherapistFactory(clinic=clinic, display_name="Amira Haddad")

        response = admin_client.get(week_url(clinic, next_monday(clinic), therapist=colleague.pk))

        assert [w.therapist for w in response.context["grid"].therapists] == [colleague]

    def test_friendly_text_when_there_are_no_therapists(self, admin_client, clinic):
        html = admin_client.get(week_url(clinic, next_monday(clinic))).content.decode()

        assert "No bookable therapists yet" in html

    def test_query_count_does_not_grow_with_therapists_or_slots(
        self, admin_client, clinic, therapist, django_assert_num_queries
    ):
        monday = next_monday(clinic)
        slot_at(therapist, monday, 9)
        with django_assert_num_queries(5):
            admin_client.get(week_url(clinic, monday))

        for _ in range(3):
            colleague = TherapistFactory(clinic=clinic)
            for offset in range(5):
                for hour in (9, 11, 14, 16):
                    slot_at(colleague, monday + dt.timedelta(days=offset), hour)
            BookingFactory(slot=colleague.slots.first())
            Slot.objects.filter(pk=colleague.slots.last().pk).update(status=Slot.Status.BLOCKED)

        with django_assert_num_queries(5):
            response = admin_client.get(week_url(clinic, monday))
        assert sum(len(d.cells) for w in response.context["grid"].therapists for d in w.days) == 61


class TestBlockingOneSlot:
    def test_blocking_an_open_slot_needs_a_reason(self, admin_client, clinic, therapist):
        slot = SlotFactory(therapist=therapist)
        url = reverse("schedule:slot", args=[clinic.slug, slot.pk])

        response = admin_client.post(url, {"action": "block", "reason": ""})

        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        slot.refresh_from_db()
        assert slot.status == Slot.Status.OPEN

    def test_blocking_an_open_slot(self, admin_client, clinic, therapist):
        slot = SlotFactory(therapist=therapist)
        url = reverse("schedule:slot", args=[clinic.slug, slot.pk])

        response = admin_client.post(url, {"action": "block", "reason": "Room repainted"})

        assert response.status_code == 302
        slot.refresh_from_db()
        assert (slot.status, slot.block_reason) == (Slot.Status.BLOCKED, "Room repainted")

    def test_blocking_a_booked_slot_asks_first_then_cancels_and_emails(
        self, admin_client, clinic, therapist, mailoutbox, django_capture_on_commit_callbacks
    ):
        slot = SlotFactory(therapist=therapist, starts_at=timezone.now() + dt.timedelta(days=2))
        booking = BookingFactory(slot=slot, client=UserFactory(first_name="Maya"))
        url = reverse("schedule:slot", args=[clinic.slug, slot.pk])

        asked = admin_client.post(url, {"action": "block", "reason": "Therapist unwell"})

        assert asked.status_code == 200
        assert "Cancel 1 booked session?" in asked.content.decode()
        assert "Maya" in asked.content.decode()
        booking.refresh_from_db()
        assert booking.status == Booking.Status.BOOKED

        with django_capture_on_commit_callbacks(execute=True):
            done = admin_client.post(
                url, {"action": "block", "reason": "Therapist unwell", "confirm": "yes"}
            )

        assert done.status_code == 302
        booking.refresh_from_db()
        slot.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancel_reason == "Therapist unwell"
        assert slot.status == Slot.Status.BLOCKED
        assert [m.to for m in mailoutbox] == [[booking.client.email]]

    def test_reopening_a_blocked_slot(self, admin_client, clinic, therapist):
        slot = SlotFactory(therapist=therapist, status=Slot.Status.BLOCKED, block_reason="x")

        admin_client.post(
            reverse("schedule:slot", args=[clinic.slug, slot.pk]), {"action": "unblock"}
        )

        slot.refresh_from_db()
        assert (slot.status, slot.block_reason) == (Slot.Status.OPEN, "")


class TestBlockingDays:
    def url(self, clinic):
        return reverse("schedule:range", args=[clinic.slug])

    def test_form_is_prefilled_from_the_week(self, admin_client, clinic, therapist):
        day = next_monday(clinic)

        response = admin_client.get(self.url(clinic), {"therapist": therapist.pk, "day": day})

        form = response.context["form"]
        assert (form["therapist"].value(), form["starts_on"].value()) == (therapist.pk, str(day))

    def test_blocking_a_day_for_one_therapist(self, admin_client, clinic, therapist):
        day = next_monday(clinic)
        mine = [slot_at(therapist, day, 9), slot_at(therapist, day, 11)]
        colleague = slot_at(TherapistFactory(clinic=clinic), day, 9)
        next_day = slot_at(therapist, day + dt.timedelta(days=1), 9)

        response = admin_client.post(
            self.url(clinic),
            {
                "therapist": therapist.pk,
                "starts_on": day,
                "ends_on": day,
                "reason": "Bank holiday",
                "action": "block",
            },
        )

        assert response.status_code == 302
        assert response["Location"] == week_url(clinic, day)
        statuses = {s.pk: s.status for s in Slot.objects.all()}
        assert [statuses[s.pk] for s in mine] == [Slot.Status.BLOCKED] * 2
        assert statuses[colleague.pk] == statuses[next_day.pk] == Slot.Status.OPEN

    def test_blocking_a_range_for_everyone_with_bookings_asks_first(
        self, admin_client, clinic, therapist, mailoutbox, django_capture_on_commit_callbacks
    ):
        day = next_monday(clinic)
        colleague = TherapistFactory(clinic=clinic)
        booked = [slot_at(therapist, day, 9), slot_at(colleague, day + dt.timedelta(days=1), 9)]
        bookings = [BookingFactory(slot=slot) for slot in booked]
        slot_at(colleague, day + dt.timedelta(days=2), 14)
        data = {
            "therapist": "",
            "starts_on": day,
            "ends_on": day + dt.timedelta(days=2),
            "reason": "Flood in the building",
            "action": "block",
        }

        asked = admin_client.post(self.url(clinic), data)

        assert "Cancel 2 booked sessions?" in asked.content.decode()
        assert not Slot.objects.filter(status=Slot.Status.BLOCKED).exists()

        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(self.url(clinic), {**data, "confirm": "yes"})

        assert Slot.objects.filter(status=Slot.Status.BLOCKED).count() == 3
        assert {b.status for b in Booking.objects.all()} == {Booking.Status.CANCELLED}
        assert sorted(m.to[0] for m in mailoutbox) == sorted(b.client.email for b in bookings)

    def test_blocking_needs_a_reason_shown_by_the_field(self, admin_client, clinic, therapist):
        day = next_monday(clinic)
        slot_at(therapist, day, 9)

        response = admin_client.post(
            self.url(clinic),
            {"therapist": therapist.pk, "starts_on": day, "ends_on": day, "action": "block"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["reason"] == [
            "Please say why these times are blocked."
        ]

    def test_dates_far_off_are_refused_by_the_field(self, admin_client, clinic, therapist):
        response = admin_client.post(
            self.url(clinic),
            {"starts_on": "9999-12-31", "ends_on": "9999-12-31", "reason": "x"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["ends_on"] == ["Please choose a date before 2101."]

    def test_last_day_before_first_is_refused(self, admin_client, clinic, therapist):
        day = next_monday(clinic)

        response = admin_client.post(
            self.url(clinic),
            {"starts_on": day, "ends_on": day - dt.timedelta(days=1), "reason": "x"},
        )

        assert "ends_on" in response.context["form"].errors

    def test_reopening_a_day(self, admin_client, clinic, therapist):
        day = next_monday(clinic)
        slot = slot_at(therapist, day, 9, status=Slot.Status.BLOCKED, block_reason="Holiday")

        admin_client.post(
            self.url(clinic),
            {"therapist": therapist.pk, "starts_on": day, "ends_on": day, "action": "unblock"},
        )

        slot.refresh_from_db()
        assert slot.status == Slot.Status.OPEN


class TestLayingOutSlots:
    def test_lays_out_slots_for_every_therapist(self, admin_client, clinic, therapist):
        WorkingHoursFactory(therapist=therapist, weekday=0)
        WorkingHoursFactory(therapist=TherapistFactory(clinic=clinic), weekday=0)
        monday = next_monday(clinic)

        response = admin_client.post(
            reverse("schedule:generate", args=[clinic.slug]),
            {"therapist": "", "starts_on": monday, "ends_on": monday + dt.timedelta(days=6)},
        )

        assert response.status_code == 302
        assert Slot.objects.count() == 6

    def test_end_before_start_is_shown_by_the_field(self, admin_client, clinic, therapist):
        monday = next_monday(clinic)

        response = admin_client.post(
            reverse("schedule:generate", args=[clinic.slug]),
            {"starts_on": monday, "ends_on": monday - dt.timedelta(days=1)},
        )

        assert response.status_code == 200
        assert "ends_on" in response.context["form"].errors
        assert not Slot.objects.exists()


class TestWorkingHoursAndTimeOff:
    def test_adding_hours_lays_out_slots_to_the_horizon(self, admin_client, clinic, therapist):
        response = admin_client.post(
            reverse("schedule:hours", args=[clinic.slug, therapist.pk]),
            {"weekday": 2, "starts_at": "09:00", "ends_at": "13:00"},
        )

        assert response.status_code == 302
        assert therapist.working_hours.count() == 1
        slots = Slot.objects.filter(therapist=therapist)
        local_starts = {timezone.localtime(s.starts_at, clinic.tz) for s in slots}
        horizon = timezone.localdate(timezone=clinic.tz) + dt.timedelta(weeks=8)
        assert {start.weekday() for start in local_starts} == {2}
        assert {start.strftime("%H:%M") for start in local_starts} == {"09:00", "10:15", "11:30"}
        assert (horizon - max(local_starts).date()).days < 7
        assert slots.count() >= 8 * 3

    def test_overlapping_hours_are_refused(self, admin_client, clinic, therapist):
        WorkingHoursFactory(therapist=therapist, weekday=0)

        response = admin_client.post(
            reverse("schedule:hours", args=[clinic.slug, therapist.pk]),
            {"weekday": 0, "starts_at": "12:00", "ends_at": "15:00"},
        )

        assert response.status_code == 200
        assert "These hours overlap Monday 09:00–13:00." in response.content.decode()
        assert therapist.working_hours.count() == 1

    def test_end_before_start_is_shown_by_the_field(self, admin_client, clinic, therapist):
        response = admin_client.post(
            reverse("schedule:hours", args=[clinic.slug, therapist.pk]),
            {"weekday": 0, "starts_at": "12:00", "ends_at": "11:00"},
        )

        assert response.context["form"].errors["ends_at"] == ["The end must be after the start."]

    def test_removing_hours_withdraws_open_slots_but_keeps_booked_ones(
        self, admin_client, clinic, therapist
    ):
        admin_client.post(
            reverse("schedule:hours", args=[clinic.slug, therapist.pk]),
            {"weekday": 2, "starts_at": "09:00", "ends_at": "13:00"},
        )
        booked = Slot.objects.filter(therapist=therapist).first()
        BookingFactory(slot=booked)
        stretch = therapist.working_hours.get()

        admin_client.post(
            reverse("schedule:hours_delete", args=[clinic.slug, therapist.pk, stretch.pk])
        )

        assert list(Slot.objects.filter(therapist=therapist)) == [booked]

    def test_time_off_withdraws_open_slots_and_points_to_booked_ones(
        self, admin_client, clinic, therapist
    ):
        day = next_monday(clinic)
        open_slot = slot_at(therapist, day, 9)
        booked = slot_at(therapist, day, 11)
        BookingFactory(slot=booked)

        response = admin_client.post(
            reverse("schedule:time_off", args=[clinic.slug, therapist.pk]),
            {"starts_on": day, "ends_on": day, "reason": "Sick"},
        )

        assert not Slot.objects.filter(pk=open_slot.pk).exists()
        assert Slot.objects.filter(pk=booked.pk).exists()
        assert response["Location"].startswith(reverse("schedule:range", args=[clinic.slug]))
        assert f"starts_on={day}" in response["Location"]

    def test_removing_time_off_lays_out_those_days_again(self, admin_client, clinic, therapist):
        day = next_monday(clinic)
        WorkingHoursFactory(therapist=therapist, weekday=0)
        admin_client.post(
            reverse("schedule:time_off", args=[clinic.slug, therapist.pk]),
            {"starts_on": day, "ends_on": day, "reason": "Course"},
        )
        time_off = therapist.time_off.get()

        admin_client.post(
            reverse("schedule:time_off_delete", args=[clinic.slug, therapist.pk, time_off.pk])
        )

        assert Slot.objects.filter(therapist=therapist).count() == 3


class TestAvailability:
    def test_stop_offering_then_offer_again(self, admin_client, clinic, therapist):
        WorkingHoursFactory(therapist=therapist, weekday=0)
        slot_at(therapist, next_monday(clinic), 9)
        url = reverse("schedule:availability", args=[clinic.slug, therapist.pk])

        admin_client.post(url, {"action": "deactivate"})

        therapist.refresh_from_db()
        assert not therapist.is_active
        assert not Slot.objects.exists()

        admin_client.post(url, {"action": "reactivate"})

        therapist.refresh_from_db()
        assert therapist.is_active
        assert Slot.objects.filter(therapist=therapist).count() >= 8 * 3 - 3

    def test_confirmation_counts_her_booked_sessions(self, admin_client, clinic, therapist):
        BookingFactory(slot=slot_at(therapist, next_monday(clinic), 9))

        response = admin_client.get(
            reverse("schedule:availability", args=[clinic.slug, therapist.pk])
        )

        assert "She still has 1 booked session coming up." in response.content.decode()


def test_client_names_and_block_reasons_are_escaped_in_the_week(admin_client, clinic, therapist):
    monday = next_monday(clinic)
    BookingFactory(slot=slot_at(therapist, monday, 9), client=UserFactory(first_name="<b>Mo</b>"))
    slot_at(therapist, monday, 11, status=Slot.Status.BLOCKED, block_reason='"><script>x</script>')

    html = admin_client.get(week_url(clinic, monday)).content.decode()

    assert "<b>Mo</b>" not in html
    assert "09:00 · &lt;b&gt;Mo&lt;/b&gt;" in html
    assert "<script>x" not in html
    assert 'title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html


def test_therapists_menu_links_to_her_week(client, therapist):
    client.force_login(therapist.user)

    html = client.get(reverse("schedule:my_week")).content.decode()

    assert f'href="{reverse("schedule:my_week")}"' in html


def test_laying_out_again_withdraws_open_slots_of_the_old_length(admin_client, clinic, therapist):
    WorkingHoursFactory(therapist=therapist, weekday=0)
    monday = next_monday(clinic)
    url = reverse("schedule:generate", args=[clinic.slug])
    admin_client.post(url, {"starts_on": monday, "ends_on": monday})
    clinic.session_minutes = 45
    clinic.turnover_minutes = 15
    clinic.save()

    admin_client.post(url, {"starts_on": monday, "ends_on": monday, "replace_open": "on"})

    lengths = {s.ends_at - s.starts_at for s in Slot.objects.filter(therapist=therapist)}
    assert lengths == {dt.timedelta(minutes=45)}
    assert Slot.objects.filter(therapist=therapist).count() == 4


def test_a_former_therapist_with_a_booked_session_stays_on_that_week(
    admin_client, clinic, therapist
):
    monday = next_monday(clinic)
    BookingFactory(slot=slot_at(therapist, monday, 9))
    therapist.is_active = False
    therapist.save()

    booked_week = admin_client.get(week_url(clinic, monday))
    later_week = admin_client.get(week_url(clinic, monday + dt.timedelta(weeks=1)))

    assert [w.therapist for w in booked_week.context["grid"].therapists] == [therapist]
    assert "Not bookable" in booked_week.content.decode()
    assert later_week.context["grid"].therapists == []
