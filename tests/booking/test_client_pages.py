"""Her "My bookings" page and the booking page of one time: the same queries however many
sessions she holds, and each row's words and links as she relies on them."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking, Plan
from booking.services import book_session
from booking.services import flags as flag_services
from safety.services import answers_if_ready_to_book, client_ready_to_book
from tests.booking.conftest import booked_a_while_ago, local_today, make_ready_client, slot_at
from tests.factories import BookingFactory, IntakeResponseFactory, PregnancyProfileFactory

pytestmark = pytest.mark.django_db


def her_history(therapist, mother, *, scale: int) -> None:
    """A plan's ``2 × scale`` sessions, ``scale`` single sessions, a past session and a
    cancelled one."""
    today = local_today(therapist.clinic)
    plan = Plan.objects.create(
        client=mother,
        therapist=therapist,
        weekdays=[today.weekday()],
        local_time=dt.time(10),
        starts_on=today,
        ends_on=today + dt.timedelta(weeks=2 * scale + 1),
    )
    for week in range(2 * scale):
        booking = book_session(
            client=mother,
            slot=slot_at(therapist, today + dt.timedelta(days=3 + week), dt.time(10)),
        )
        Booking.objects.filter(pk=booking.pk).update(plan=plan)
    for day in range(scale):
        book_session(
            client=mother,
            slot=slot_at(therapist, today + dt.timedelta(days=3 + 2 * scale + day), dt.time(15)),
        )
    BookingFactory(client=mother, slot=slot_at(therapist, today - dt.timedelta(days=7)))
    BookingFactory(
        client=mother,
        slot=slot_at(therapist, today + dt.timedelta(days=2), dt.time(17)),
        status=Booking.Status.CANCELLED,
    )


@pytest.mark.parametrize("scale", [1, 10])
def test_my_bookings_costs_six_queries_however_many_sessions_she_holds(
    client, therapist, django_assert_num_queries, scale
):
    mother = make_ready_client(conditions=["hypertension", "sciatica"])
    her_history(therapist, mother, scale=scale)
    client.force_login(mother)

    # session, user, her sessions, their open flags, her clearances, her plans' planned dates
    with django_assert_num_queries(6):
        response = client.get(reverse("booking:my_bookings"))

    assert len(response.context["upcoming"]) == 3 * scale
    assert len(response.context["past"]) == 2
    html = response.content.decode()
    assert html.count("Clearance needed</span> High blood pressure") == 3 * scale
    assert html.count("Cancel the rest of my weekly plan") == 1


@pytest.mark.parametrize("scale", [1, 10])
@pytest.mark.parametrize(("conditions", "queries"), [((), 4), (("hypertension",), 5)])
def test_the_booking_page_costs_the_same_queries_however_many_sessions_she_holds(
    client, therapist, django_assert_num_queries, scale, conditions, queries
):
    mother = make_ready_client(conditions=conditions)
    her_history(therapist, mother, scale=scale)
    free = slot_at(
        therapist, local_today(therapist.clinic) + dt.timedelta(days=3 * scale + 5), dt.time(12)
    )
    client.force_login(mother)

    # session, user, the time with its therapist and clinic, her answers; and, when a rule
    # asks for a clearance, whether one she recorded covers that date
    with django_assert_num_queries(queries):
        response = client.get(reverse("booking:slot", args=[free.pk]))

    assert response.status_code == 200
    assert "Book this session" in response.content.decode()
    assert bool(response.context["clearance_needed"]) == bool(conditions)


def test_the_booking_page_sends_her_to_her_profile_until_she_has_given_her_answers(
    client, therapist
):
    mother = make_ready_client()
    mother.intake_responses.all().delete()
    free = slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(days=5))
    client.force_login(mother)

    response = client.get(reverse("booking:slot", args=[free.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("safety:profile"))


def test_the_booking_page_speaks_of_week_14_from_her_due_date(client, therapist):
    today = local_today(therapist.clinic)
    mother = make_ready_client(due_date=today + dt.timedelta(weeks=30))
    free = slot_at(therapist, today + dt.timedelta(days=5))
    client.force_login(mother)

    response = client.get(reverse("booking:slot", args=[free.pk]))

    assert response.context["week_14"] == today + dt.timedelta(weeks=30) - dt.timedelta(weeks=26)
    assert "most of our plans start from week 14" in response.content.decode()


def test_each_upcoming_session_links_to_itself_and_says_what_she_can_do(
    client, therapist, frozen_clock
):
    today = local_today(therapist.clinic)
    # Morning at the clinic, so tonight's session is still ahead and too close to change.
    frozen_clock(dt.datetime.combine(today, dt.time(10), tzinfo=therapist.clinic.tz))
    mother = make_ready_client(first_name="Maya")
    later = book_session(client=mother, slot=slot_at(therapist, today + dt.timedelta(days=6)))
    soon = book_session(client=mother, slot=slot_at(therapist, today, dt.time(23)))
    booked_a_while_ago(later, soon)
    client.force_login(mother)

    html = client.get(reverse("booking:my_bookings")).content.decode()

    assert f'href="{reverse("booking:booking", args=[later.pk])}"' in html
    assert f'href="{reverse("booking:move", args=[later.pk])}">Move</a>' in html
    assert f'href="{reverse("booking:cancel", args=[later.pk])}">Cancel' in html
    assert f'href="{reverse("booking:booking", args=[soon.pk])}"' in html
    assert reverse("booking:cancel", args=[soon.pk]) not in html
    phone = therapist.clinic.phone
    assert f'Too close to change online: call <a href="tel:{phone.replace(" ", "")}">' in html


def test_a_session_on_hold_says_so_and_offers_what_to_do_instead_of_moving(client, therapist):
    mother = make_ready_client()
    held = book_session(
        client=mother, slot=slot_at(therapist, local_today(therapist.clinic) + dt.timedelta(6))
    )
    mother.intake_responses.update(conditions=["suspected_dvt"])
    flag_services.write_flags(booking=held)
    client.force_login(mother)

    html = client.get(reverse("booking:my_bookings")).content.decode()

    assert '<span class="badge text-bg-danger">On hold</span>' in html
    assert f'href="{reverse("health:alert")}">What to do now</a>' in html
    assert reverse("booking:move", args=[held.pk]) not in html
    assert f'href="{reverse("booking:cancel", args=[held.pk])}"' in html


def test_her_answers_are_read_for_booking_only_once_she_is_ready(client_user):
    assert answers_if_ready_to_book(client_user) is None
    PregnancyProfileFactory(client=client_user)
    assert answers_if_ready_to_book(client_user) is None
    IntakeResponseFactory(client=client_user, conditions=["sciatica"])
    IntakeResponseFactory(client=client_user, conditions=["hypertension"])

    answers = answers_if_ready_to_book(client_user)

    assert client_ready_to_book(client_user)
    assert answers.conditions == frozenset({"hypertension"})


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC),  # the night the clocks go forward
        dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC),  # and back
        dt.datetime(2026, 12, 2, 9, 5, tzinfo=dt.UTC),
        dt.datetime(2027, 7, 19, 17, 45, tzinfo=dt.UTC),
    ],
)
def test_her_sessions_dates_read_as_the_date_filter_writes_them(moment):
    from django.utils import dateformat

    from booking.session_rows import day_and_time
    from clinics.models import Clinic

    for zone in ("Europe/London", "America/New_York"):
        local = moment.astimezone(Clinic(time_zone=zone).tz)
        assert day_and_time(local) == dateformat.format(local, "D j M Y, H:i")
        # The filter leaves the zone out in the hour the clocks go back, which happens twice;
        # the session's own instant knows which of the two it is.
        assert local.tzname() == (dateformat.format(local, "T") or local.tzname())
        assert local.tzname() in {"GMT", "BST", "EST", "EDT"}
