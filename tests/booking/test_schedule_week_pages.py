"""The clinic's week a page of therapists at a time: bounded at any clinic size, every therapist
reachable by the pages or by name, in the same queries however many therapists and sessions."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from backoffice.schedule import THERAPISTS_PER_PAGE, monday_of
from booking.models import Booking, Slot
from booking.services import book_session
from clinics.models import Therapist
from safety.models import SafetyFlag
from tests.booking.conftest import make_ready_client
from tests.factories import ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db

WORKING_HOURS = (9, 10, 11, 14, 15, 16)
THERAPIST_HEADING = re.compile(r'<h2 id="therapist-(\d+)"')


def next_monday(clinic) -> dt.date:
    return monday_of(timezone.localdate(timezone=clinic.tz)) + dt.timedelta(weeks=1)


def staff_clinic(clinic, *, therapists: int, monday: dt.date) -> list[Therapist]:
    """``therapists`` therapists working Monday to Friday, six sessions a day, the week from
    ``monday``; every third session booked by her own client."""
    stamp = f"{clinic.slug}-{Therapist.objects.count()}"
    people = User.objects.bulk_create(
        User(email=f"t-{stamp}-{n}@example.com", first_name=f"T{n}") for n in range(therapists)
    )
    staff = Therapist.objects.bulk_create(
        Therapist(
            user=user, clinic=clinic, display_name=f"Therapist {n:03d}", slug=f"t-{stamp}-{n}"
        )
        for n, user in enumerate(people)
    )
    slots = Slot.objects.bulk_create(
        Slot(therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
        for therapist in staff
        for day in range(5)
        for hour in WORKING_HOURS
        for starts_at in [
            dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=clinic.tz)
        ]
    )
    mothers = User.objects.bulk_create(
        User(email=f"c-{stamp}-{n}@example.com", first_name=f"Client{n}") for n in range(therapists)
    )
    by_therapist = dict(zip((t.pk for t in staff), mothers, strict=True))
    Booking.objects.bulk_create(
        Booking(
            client=by_therapist[slot.therapist_id],
            slot=slot,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )
        for slot in slots[::3]
    )
    return staff


def week_url(clinic, monday, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"week": monday, **params}.items())
    return f"{reverse('schedule:week', args=[clinic.slug])}?{query}"


def therapists_shown(response) -> list[Therapist]:
    return [week.therapist for week in response.context["grid"].therapists]


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


@pytest.mark.parametrize("scale", [1, 10])
def test_the_week_costs_the_same_queries_at_any_number_of_therapists_and_sessions(
    admin_client, clinic, django_assert_num_queries, scale
):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=2 * scale, monday=monday)
    # A session that needs a clearance, so the chips' subqueries have something to find.
    book_session(
        client=make_ready_client(conditions=["hypertension"], first_name="Nia"),
        slot=Slot.objects.filter(therapist=staff[0], bookings__isnull=True).first(),
    )
    assert SafetyFlag.objects.exists()

    # session, user, clinic, the page of therapists (with their total), their slots
    last_page = -(-len(staff) // THERAPISTS_PER_PAGE)
    for params in ({}, {"page": last_page}, {"q": "Therapist 00"}, {"therapist": staff[-1].pk}):
        with django_assert_num_queries(5):
            response = admin_client.get(week_url(clinic, monday, **params))
        assert response.status_code == 200

    first_page = admin_client.get(week_url(clinic, monday))
    assert len(therapists_shown(first_page)) == min(2 * scale, THERAPISTS_PER_PAGE)
    assert first_page.content.decode().count('data-safety="clearance_needed"') == 1


def test_at_200_therapists_every_page_is_small_and_the_pages_reach_everyone(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=200, monday=monday)

    seen, sizes = [], []
    week_path = reverse("schedule:week", args=[clinic.slug])
    url = week_url(clinic, monday)
    while url:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        sizes.append(len(response.content))
        seen += [int(pk) for pk in THERAPIST_HEADING.findall(response.content.decode())]
        page = response.context["page"]
        # The links are relative to the week's own address.
        url = f"{week_path}{response.context['next_page_url']}" if page.has_next else None

    assert sorted(seen) == sorted(t.pk for t in staff)
    assert len(sizes) == 200 / THERAPISTS_PER_PAGE
    assert max(sizes) <= 150_000


def test_a_name_finds_her_wherever_she_is_in_the_list(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=25, monday=monday)

    response = admin_client.get(week_url(clinic, monday, q="therapist 017"))

    assert therapists_shown(response) == [staff[17]]
    assert response.context["page"].total == 1
    html = response.content.decode()
    assert 'value="therapist 017"' in html
    assert f"?week={monday + dt.timedelta(weeks=1)}&amp;q=therapist+017" in html


def test_a_name_nobody_has_says_so_and_offers_everyone(admin_client, clinic):
    monday = next_monday(clinic)
    staff_clinic(clinic, therapists=3, monday=monday)

    response = admin_client.get(week_url(clinic, monday, q="Zelda"))

    assert therapists_shown(response) == []
    html = response.content.decode()
    assert "No therapist on this week's schedule has “Zelda” in her name." in html
    assert f'href="?week={monday}">Show everyone</a>' in html


def test_the_pages_link_to_each_other_and_keep_the_week(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=THERAPISTS_PER_PAGE + 3, monday=monday)

    second = admin_client.get(week_url(clinic, monday, page=2))

    assert therapists_shown(second) == staff[THERAPISTS_PER_PAGE:]
    html = second.content.decode()
    assert f'href="?week={monday}">← Previous <span' in html
    assert (
        f"{THERAPISTS_PER_PAGE + 1}–{THERAPISTS_PER_PAGE + 3} of {THERAPISTS_PER_PAGE + 3}" in html
    )
    assert ">Next <span" not in html
    # The week's own links stay on this page of therapists.
    assert f"?week={monday + dt.timedelta(weeks=1)}&amp;page=2" in html


def test_a_page_past_the_end_shows_the_last_one(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=THERAPISTS_PER_PAGE + 1, monday=monday)

    response = admin_client.get(week_url(clinic, monday, page=99))

    assert response.context["page"].number == 2
    assert therapists_shown(response) == staff[-1:]


@pytest.mark.parametrize("page", ["0", "-1", "two", "²"])
def test_a_nonsense_page_shows_the_first(admin_client, clinic, page):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=THERAPISTS_PER_PAGE + 1, monday=monday)

    response = admin_client.get(week_url(clinic, monday, page=page))

    assert response.context["page"].number == 1
    assert therapists_shown(response) == staff[:THERAPISTS_PER_PAGE]


def test_a_huge_page_number_shows_the_last_page(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=THERAPISTS_PER_PAGE + 1, monday=monday)

    response = admin_client.get(week_url(clinic, monday, page="99999"))

    assert therapists_shown(response) == staff[-1:]


def test_a_name_with_a_nul_character_is_read_without_it(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=3, monday=monday)

    response = admin_client.get(
        reverse("schedule:week", args=[clinic.slug]), {"week": monday, "q": "Therapist\x00 002"}
    )

    assert therapists_shown(response) == [staff[2]]


def test_one_chosen_therapist_is_shown_alone_with_a_way_back_to_everyone(admin_client, clinic):
    monday = next_monday(clinic)
    staff = staff_clinic(clinic, therapists=THERAPISTS_PER_PAGE + 5, monday=monday)

    response = admin_client.get(week_url(clinic, monday, therapist=staff[12].pk))

    assert therapists_shown(response) == [staff[12]]
    html = response.content.decode()
    assert "Showing only <strong>Therapist 012</strong>" in html
    assert f"?week={monday + dt.timedelta(weeks=1)}&amp;therapist={staff[12].pk}" in html


def test_the_admin_of_another_clinic_gets_a_404(client, clinic):
    monday = next_monday(clinic)
    staff_clinic(clinic, therapists=2, monday=monday)
    other_admin = UserFactory()
    ClinicFactory(name="Hackney Bump Clinic", admin=other_admin)
    client.force_login(other_admin)

    for params in ({}, {"page": 2}, {"q": "Therapist"}):
        assert client.get(week_url(clinic, monday, **params)).status_code == 404
