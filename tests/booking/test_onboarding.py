"""A new client's first visits: her pregnancy, then her health answers, then finding a time;
and before she books in the first trimester, that most plans start from week 14."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from safety.dating import date_at_week
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import PregnancyProfileFactory, UserFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

FIND_A_TIME = f"{reverse('booking:clinics')}?welcome=1"


def test_a_new_client_starts_with_her_pregnancy_not_an_empty_list(client):
    client.force_login(UserFactory())

    response = client.get(reverse("booking:my_bookings"))

    url = urlparse(response.url)
    assert url.path == reverse("safety:profile")
    assert parse_qs(url.query)["next"] == [FIND_A_TIME]


def test_with_her_pregnancy_told_she_goes_on_to_the_health_questions(client):
    mother = UserFactory()
    PregnancyProfileFactory(client=mother)
    client.force_login(mother)

    response = client.get(reverse("booking:my_bookings"))

    assert response.url.startswith(reverse("safety:intake"))
    assert "welcome" in response.url


def test_once_ready_an_empty_list_is_a_list(client):
    client.force_login(make_ready_client())
    assert client.get(reverse("booking:my_bookings")).status_code == 200


def test_profile_and_questions_show_the_step_she_is_on(client):
    mother = UserFactory()
    client.force_login(mother)
    profile_page = client.get(reverse("safety:profile")).content.decode()
    assert 'aria-current="step"><span class="step-number">1</span> Your pregnancy' in profile_page
    PregnancyProfileFactory(client=mother)
    questions = client.get(reverse("safety:intake")).content.decode()
    assert 'aria-current="step"><span class="step-number">2</span> Health questions' in questions


def test_finding_a_time_offers_a_weekly_plan_with_each_therapist_who_works(client, therapist):
    WorkingHoursFactory(therapist=therapist)
    client.force_login(make_ready_client())

    page = client.get(FIND_A_TIME).content.decode()

    assert 'aria-current="step"><span class="step-number">3</span> Find a time' in page
    plan_url = reverse("booking:plan", kwargs={"slug": therapist.clinic.slug})
    assert f"{plan_url}?therapist={therapist.pk}" in page
    assert f"Weekly plan with {therapist.display_name}" in page


def test_delete_my_account_is_on_the_account_page_not_the_profile(client):
    client.force_login(make_ready_client())

    profile = client.get(reverse("safety:profile")).content.decode()
    account = client.get(reverse("privacy:account")).content.decode()

    assert reverse("privacy:delete_account") not in profile
    assert reverse("privacy:account") in profile
    assert reverse("privacy:delete_account") in account
    assert reverse("privacy:export") in account


def test_plan_in_the_first_trimester_says_week_14_and_suggests_it(client, therapist):
    WorkingHoursFactory(therapist=therapist, weekday=0)
    today = local_today(therapist.clinic)
    due = today + dt.timedelta(weeks=30)  # 10 weeks pregnant today
    client.force_login(make_ready_client(due_date=due))

    response = client.get(
        reverse("booking:plan", kwargs={"slug": therapist.clinic.slug}),
        {"therapist": therapist.pk},
    )

    week_14 = date_at_week(due, 14)
    assert week_14 == today + dt.timedelta(weeks=4)
    assert response.context["week_14"] == week_14
    assert response.context["form"].initial["starts_on"] == week_14
    assert "most of our plans start from week 14" in response.content.decode()


def test_plan_from_week_14_on_says_nothing_of_it(client, therapist):
    WorkingHoursFactory(therapist=therapist, weekday=0)
    client.force_login(
        make_ready_client(due_date=local_today(therapist.clinic) + dt.timedelta(weeks=20))
    )

    response = client.get(
        reverse("booking:plan", kwargs={"slug": therapist.clinic.slug}),
        {"therapist": therapist.pk},
    )

    assert response.context["week_14"] is None
    assert "most of our plans start from week 14" not in response.content.decode()


def test_a_single_session_in_the_first_trimester_says_week_14_before_booking(client, therapist):
    today = local_today(therapist.clinic)
    client.force_login(make_ready_client(due_date=today + dt.timedelta(weeks=30)))
    early = slot_at(therapist, today + dt.timedelta(days=3))
    later = slot_at(therapist, today + dt.timedelta(weeks=5))

    early_page = client.get(reverse("booking:slot", args=[early.pk])).content.decode()
    later_page = client.get(reverse("booking:slot", args=[later.pk])).content.decode()

    assert "most of our plans start from week 14" in early_page
    assert "most of our plans start from week 14" not in later_page
