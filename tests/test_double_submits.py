"""A double-click sends a form two or three times at once: one row survives, and every
request answers with the success or a clear message, never a server error."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from booking.services.slots import TimeOffOverlap, add_time_off
from clinics.models import Therapist, TimeOff, WorkingHours
from safety.models import PregnancyProfile
from tests.booking.test_race import run_at_once
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory
from tests.safety.test_views import profile_data

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 3


def post_at_once(user, url, data, count=AT_ONCE):
    """``count`` identical POSTs released together, each from its own browser tab."""
    tabs = []
    for _ in range(count):
        tab = Client()
        if user is not None:
            tab.force_login(user)
        tabs.append(tab)
    return run_at_once(count, lambda i: tabs[i].post(url, data))


def assert_no_server_error(responses):
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]


def test_three_sign_ups_at_once_make_one_account_and_log_her_in_each_time():
    assert connection.vendor == "postgresql"
    data = {
        "first_name": "Ana",
        "email": "ana@example.com",
        "password1": DEFAULT_PASSWORD,
        "password2": DEFAULT_PASSWORD,
    }

    responses = post_at_once(None, reverse("accounts:signup"), data)

    assert_no_server_error(responses)
    assert User.objects.filter(email="ana@example.com").count() == 1
    assert all(r.status_code == 302 for r in responses)
    assert all(r.wsgi_request.user.is_authenticated for r in responses)


def test_three_first_profile_saves_at_once_make_one_profile():
    client_user = UserFactory()

    responses = post_at_once(client_user, reverse("safety:profile"), profile_data())

    assert_no_server_error(responses)
    assert all(r.status_code == 302 for r in responses)
    assert PregnancyProfile.objects.filter(client=client_user).count() == 1


def test_three_identical_invitations_at_once_make_one_therapist():
    admin = UserFactory()
    clinic = ClinicFactory(admin=admin)
    data = {"email": "rosa@example.com", "first_name": "Rosa", "last_name": "Lind"}

    responses = post_at_once(
        admin, reverse("clinics:therapist_invite", kwargs={"slug": clinic.slug}), data
    )

    assert_no_server_error(responses)
    assert Therapist.objects.filter(user__email="rosa@example.com").count() == 1
    refused = [r for r in responses if r.status_code == 200]
    assert all("already a therapist here" in r.content.decode() for r in refused)


def test_three_identical_working_hours_at_once_make_one_stretch():
    therapist = TherapistFactory(clinic=ClinicFactory(admin=UserFactory()))
    url = reverse(
        "schedule:hours", kwargs={"slug": therapist.clinic.slug, "therapist_id": therapist.pk}
    )
    data = {"weekday": 2, "starts_at": "09:00", "ends_at": "13:00"}

    responses = post_at_once(therapist.clinic.admins.first(), url, data)

    assert_no_server_error(responses)
    assert WorkingHours.objects.filter(therapist=therapist).count() == 1
    refused = [r for r in responses if r.status_code == 200]
    assert len(refused) == AT_ONCE - 1
    assert all("These hours overlap" in r.content.decode() for r in refused)


def test_the_same_time_off_twice_at_once_makes_one_stretch():
    therapist = TherapistFactory(clinic=ClinicFactory(admin=UserFactory()))
    url = reverse(
        "schedule:time_off", kwargs={"slug": therapist.clinic.slug, "therapist_id": therapist.pk}
    )
    day = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    data = {"starts_on": day, "ends_on": day, "reason": "Course"}

    responses = post_at_once(therapist.clinic.admins.first(), url, data, count=2)

    assert_no_server_error(responses)
    assert TimeOff.objects.filter(therapist=therapist).count() == 1
    refused = [r for r in responses if r.status_code == 200]
    assert len(refused) == 1
    assert "already has time off" in refused[0].content.decode()


def test_the_database_refuses_overlapping_hours_and_days_off_on_its_own():
    therapist = TherapistFactory()
    WorkingHours.objects.create(
        therapist=therapist, weekday=1, starts_at=dt.time(9), ends_at=dt.time(13)
    )
    TimeOff.objects.create(
        therapist=therapist, starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 1, 5)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingHours.objects.create(
            therapist=therapist, weekday=1, starts_at=dt.time(12), ends_at=dt.time(14)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOff.objects.create(
            therapist=therapist, starts_on=dt.date(2030, 1, 5), ends_on=dt.date(2030, 1, 9)
        )
    WorkingHours.objects.create(
        therapist=therapist, weekday=1, starts_at=dt.time(13), ends_at=dt.time(17)
    )


def test_hours_off_on_one_day_may_sit_side_by_side_but_not_overlap():
    therapist = TherapistFactory()
    day = dt.date(2030, 1, 7)
    TimeOff.objects.create(
        therapist=therapist,
        starts_on=day,
        ends_on=day,
        from_time=dt.time(9),
        until_time=dt.time(11),
    )
    TimeOff.objects.create(
        therapist=therapist,
        starts_on=day,
        ends_on=day,
        from_time=dt.time(11),
        until_time=dt.time(13),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOff.objects.create(therapist=therapist, starts_on=day, ends_on=day)
    with pytest.raises(TimeOffOverlap, match="already has time off"):
        add_time_off(
            therapist=therapist,
            starts_on=day,
            ends_on=day,
            from_time=dt.time(12),
            until_time=dt.time(14),
        )
