"""The clinic page's slot picker: a fixed number of queries and a bounded page, however large
the clinic, and a day strip that shows exactly the days with a free time."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from booking import queries
from booking.models import Booking, Plan, PlannedSession, Slot
from clinics.models import Therapist
from tests.booking.conftest import local_today, slot_at
from tests.factories import ClinicFactory, TherapistFactory, UserFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 80 * 1024
MORE_TIMES = re.compile(r'href="([^"]+)">Times with more therapists</a>')
# A time's button names its therapist when the picker shows any therapist's times.
SLOT_BUTTON_NAME = re.compile(
    r'href="/book/time/\d+/"><strong>[^<]+</strong><span class="small">([^<]+)<'
)


def add_therapists(clinic, count: int, *, days: list[dt.date], hours: list[int]) -> list:
    """``count`` therapists, each with an open slot at each of ``hours`` on each of ``days``."""
    people = User.objects.bulk_create(
        User(email=f"therapist-{n}@{clinic.slug}.example", first_name=f"T{n}") for n in range(count)
    )
    staff = Therapist.objects.bulk_create(
        Therapist(user=person, clinic=clinic, display_name=f"Therapist {n:03d}", slug=f"t-{n}")
        for n, person in enumerate(people)
    )
    slots = []
    for therapist in staff:
        for day in days:
            for hour in hours:
                starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=clinic.tz)
                slots.append(
                    Slot(
                        therapist=therapist,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(hours=1),
                    )
                )
    Slot.objects.bulk_create(slots)
    return staff


def book_every_third_slot(staff) -> None:
    """Each therapist's own client books every third of her slots (a client's sessions never
    overlap)."""
    bookings = []
    for therapist in staff:
        client = UserFactory()
        bookings += [
            Booking(client=client, slot=slot, starts_at=slot.starts_at, ends_at=slot.ends_at)
            for slot in therapist.slots.order_by("starts_at")[::3]
        ]
    Booking.objects.bulk_create(bookings)


@pytest.mark.parametrize("one_therapist", [False, True])
@pytest.mark.parametrize("scale", [1, 10])
def test_day_view_runs_the_same_three_queries_at_ten_times_the_data(
    client, clinic, django_assert_num_queries, scale, one_therapist
):
    first = local_today(clinic) + dt.timedelta(days=2)
    days = [first + dt.timedelta(days=offset) for offset in range(5)]
    staff = add_therapists(clinic, 2 * scale, days=days, hours=[9, 10, 11, 14, 15, 16])
    book_every_third_slot(staff)
    params = {"day": first.isoformat()}
    if one_therapist:
        params["therapist"] = staff[0].slug
    shown = [staff[0]] if one_therapist else staff
    day_start, day_end = clinic.day_bounds(first)
    free_on_day = (
        Slot.objects.free()
        .filter(therapist__in=shown, starts_at__gte=day_start, starts_at__lt=day_end)
        .count()
    )
    # The clinic, its therapists with their next free times, the strip's free days with the
    # day's free slots.
    with django_assert_num_queries(3):
        response = client.get(reverse("booking:clinic", kwargs={"slug": clinic.slug}), params)
    assert response.content.decode().count('href="/book/time/') == free_on_day > 0


def test_picker_at_200_therapists_stays_under_80_kb_and_its_more_link_leads_to_the_rest(
    client, clinic
):
    day = local_today(clinic) + dt.timedelta(days=2)
    staff = add_therapists(clinic, 200, days=[day], hours=[10, 11, 14, 15])
    url = f"{reverse('booking:clinic', kwargs={'slug': clinic.slug})}?day={day.isoformat()}"
    seen: list[str] = []
    pages = 0
    while url:
        page = client.get(url.replace("&amp;", "&")).content
        pages += 1
        assert len(page) <= PAGE_LIMIT
        html = page.decode()
        names = SLOT_BUTTON_NAME.findall(html)
        assert len(names) == 4 * len(set(names))
        seen += sorted(set(names))
        more = MORE_TIMES.search(html)
        url = more.group(1) if more else None
    assert pages == 10
    assert seen == sorted(t.display_name for t in staff)


def test_a_therapist_chosen_beyond_the_first_page_shows_her_own_times(client, clinic):
    day = local_today(clinic) + dt.timedelta(days=2)
    staff = add_therapists(clinic, 45, days=[day], hours=[10, 11])
    chosen = staff[44]
    response = client.get(
        reverse("booking:clinic", kwargs={"slug": clinic.slug}),
        {"day": day.isoformat(), "therapist": chosen.slug},
    )
    html = response.content.decode()
    assert f'<option value="{chosen.slug}" selected>{chosen.display_name}</option>' in html
    assert html.count('href="/book/time/') == 2
    assert "Times with more therapists" not in html


def test_strip_shows_only_days_with_a_time_she_could_book(clinic, therapist):
    today = local_today(clinic)
    on = {
        name: today + dt.timedelta(days=offset)
        for offset, name in enumerate(
            ["within_notice", "booked", "blocked", "held", "free", "other_clinic", "mixed"], start=0
        )
    }
    # Today's slot starts inside the clinic's booking notice.
    soon = timezone.localtime(timezone.now() + dt.timedelta(minutes=30), clinic.tz)
    clinic.booking_notice_hours = 2
    clinic.save()
    slot_at(therapist, on["within_notice"], soon.time().replace(second=0, microsecond=0))
    Booking.objects.create(
        client=UserFactory(),
        slot=(taken := slot_at(therapist, on["booked"])),
        starts_at=taken.starts_at,
        ends_at=taken.ends_at,
    )
    Slot.objects.filter(pk=slot_at(therapist, on["blocked"]).pk).update(status=Slot.Status.BLOCKED)
    held = slot_at(therapist, on["held"], dt.time(11))
    plan = Plan.objects.create(
        client=UserFactory(),
        therapist=therapist,
        weekdays=[held.starts_at.weekday()],
        local_time=dt.time(11),
        starts_on=on["held"],
        ends_on=on["held"],
    )
    PlannedSession.objects.create(plan=plan, on=on["held"], starts_at=held.starts_at)
    slot_at(therapist, on["free"])
    slot_at(TherapistFactory(clinic=ClinicFactory()), on["other_clinic"])
    slot_at(therapist, on["mixed"], dt.time(9))
    Booking.objects.create(
        client=UserFactory(),
        slot=(taken := slot_at(therapist, on["mixed"], dt.time(12))),
        starts_at=taken.starts_at,
        ends_at=taken.ends_at,
    )

    def days_and_slots(day):
        return queries.free_days_and_day_slots(
            clinic=clinic, therapist_ids=[therapist.pk], start=today, days=14, day=day
        )

    days, _ = days_and_slots(today)

    assert days == {on["free"], on["mixed"]}
    bookable = queries.bookable_slots(clinic=clinic, therapist=therapist)
    assert days == {clinic.local_date(slot.starts_at) for slot in bookable}
    # The day's times are the same free slots: only the free one of the mixed day.
    for name, day in on.items():
        strip, rows = days_and_slots(day)
        assert strip == days
        expected = [
            (slot.pk, slot.starts_at, therapist.pk)
            for slot in bookable.order_by("starts_at")
            if clinic.local_date(slot.starts_at) == day
        ]
        assert rows == expected, name
    # Her next free time, as the therapist list shows it, is the first of them.
    (listed,) = queries.public_therapists(clinic=clinic)
    assert listed.next_free == bookable.order_by("starts_at").first().starts_at


def test_public_therapists_are_those_on_public_pages_with_their_next_free_time(clinic, therapist):
    today = local_today(clinic)
    resting = TherapistFactory(clinic=clinic, display_name="Aa Resting")  # no hours, no slots
    by_hand = TherapistFactory(clinic=clinic, display_name="Bb By hand")
    slot_at(by_hand, today + dt.timedelta(days=3), dt.time(15))
    gone = TherapistFactory(clinic=clinic, display_name="Cc Gone", is_active=False)
    slot_at(gone, today + dt.timedelta(days=3), dt.time(15))
    WorkingHoursFactory(therapist=therapist)
    slot_at(therapist, today + dt.timedelta(days=2), dt.time(9))

    listed = queries.public_therapists(clinic=clinic)

    expected = list(
        queries.on_public_pages(clinic.therapists.all(), today=today).order_by("display_name")
    )
    assert listed == expected and resting not in listed and gone not in listed
    assert [(t.slug, t.display_name, t.clinic_id) for t in listed] == [
        (t.slug, t.display_name, t.clinic_id) for t in expected
    ]
    for shown in listed:
        first = queries.bookable_slots(clinic=clinic, therapist=shown).order_by("starts_at")
        assert shown.next_free == (first.first().starts_at if first.exists() else None)


def test_each_free_time_links_to_its_booking_page_with_the_name_escaped(client, clinic):
    day = local_today(clinic) + dt.timedelta(days=2)
    odd = TherapistFactory(clinic=clinic, display_name='Ann <b onclick="x()">O\'Neil</b>')
    slot = slot_at(odd, day, dt.time(10))
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})

    page = client.get(url, {"day": day.isoformat()}).content.decode()

    link = f'href="{reverse("booking:slot", kwargs={"slot_id": slot.pk})}"><strong>10:00</strong>'
    assert link in page
    assert "<b onclick" not in page
    assert "Ann &lt;b onclick=&quot;x()&quot;&gt;O&#x27;Neil&lt;/b&gt;" in page


def test_the_pickers_statements_are_planned_once_per_connection(client, clinic):
    day = local_today(clinic) + dt.timedelta(days=2)
    add_therapists(clinic, 3, days=[day], hours=[10, 11])
    url = reverse("booking:clinic", kwargs={"slug": clinic.slug})
    for _ in range(8):
        assert client.get(url, {"day": day.isoformat()}).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()

    picker = [queries.PUBLIC_THERAPISTS_SQL, queries.PICKER_DAYS_AND_SLOTS_SQL]
    for sql in picker:
        # psycopg sends the statement with $n for its parameters; the start is the same.
        plans = [(generic, custom) for text, generic, custom in prepared if text[:60] == sql[:60]]
        # (One statement per set of parameter types: large ids make int4[] of int2[].)
        assert plans and all(custom == 0 for _, custom in plans)
        assert sum(generic for generic, _ in plans) >= 3


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_the_strip_counts_days_by_the_clinics_clock_across_a_clock_change(zone, frozen_clock):
    clinic = ClinicFactory(time_zone=zone)
    therapist = TherapistFactory(clinic=clinic)
    # The clocks go back on 31 October in London and on 7 November in New York, 2027.
    start = dt.date(2027, 10, 28)
    frozen_clock(dt.datetime.combine(start, dt.time(6), tzinfo=clinic.tz))
    # Every other day has a slot just after its local midnight and one just before the next:
    # a day counted by another clock would give a free day to its neighbour.
    for offset in range(1, 14, 2):
        day = start + dt.timedelta(days=offset)
        slot_at(therapist, day, dt.time(0, 15))
        slot_at(therapist, day, dt.time(23, 15), minutes=30)

    days, slots = queries.free_days_and_day_slots(
        clinic=clinic, therapist_ids=[therapist.pk], start=start, days=14, day=start
    )

    assert days == {start + dt.timedelta(days=offset) for offset in range(1, 14, 2)}
    assert slots == []
    for offset in (1, 3, 11):
        day = start + dt.timedelta(days=offset)
        _, slots = queries.free_days_and_day_slots(
            clinic=clinic, therapist_ids=[therapist.pk], start=start, days=14, day=day
        )
        assert [clinic.local_date(starts_at) for _, starts_at, _ in slots] == [day, day]
