"""Her plan follows her due date: earlier cancels what falls after it, later offers more weeks."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Plan, PlannedSession
from booking.services.due_dates import DUE_DATE_MOVED
from booking.services.slots import ensure_slots_for_horizon
from safety import services as safety_services
from tests.booking.conftest import make_ready_client
from tests.booking.test_rolling_plans import DUE, LONDON, book_tuesday_plan

pytestmark = pytest.mark.django_db


def save_due_date(client, due_date):
    profile = client.pregnancy_profile
    return safety_services.save_pregnancy_profile(
        client=client,
        due_date=due_date,
        due_date_source=profile.due_date_source,
        last_period_started_on=None,
        phone=profile.phone,
        emergency_contact_name=profile.emergency_contact_name,
        emergency_contact_phone=profile.emergency_contact_phone,
    )


def local_day(booking):
    return timezone.localtime(booking.starts_at, LONDON).date()


@pytest.fixture
def plan_to_due_date(rolling_clinic, therapist):
    """A weekly plan from 26w0d to 40w0d with a 12-week horizon: 12 booked, 3 planned."""
    rolling_clinic.booking_horizon_weeks = 12
    rolling_clinic.save()
    ensure_slots_for_horizon()
    mother = make_ready_client(due_date=DUE, first_name="Maya")
    result = book_tuesday_plan(mother, therapist)
    assert len(result.booked) == 12
    assert result.plan.planned_sessions.filter(status="planned").count() == 3
    return mother, result.plan


def test_due_date_six_weeks_earlier_cancels_what_falls_after_it_in_one_message(
    plan_to_due_date, django_capture_on_commit_callbacks, mailoutbox
):
    mother, plan = plan_to_due_date
    new_due = DUE - dt.timedelta(weeks=6)
    with django_capture_on_commit_callbacks(execute=True):
        profile = save_due_date(mother, new_due)

    assert profile.follow_up_urls == [reverse("booking:due_date_changes")]
    plan.refresh_from_db()
    assert plan.ends_on == new_due
    assert plan.status == Plan.Status.ACTIVE
    kept = Booking.objects.filter(plan=plan, status="booked")
    assert kept.count() == 9 and max(local_day(b) for b in kept) == new_due
    cancelled = Booking.objects.filter(plan=plan, status="cancelled")
    assert cancelled.count() == 3
    assert all(b.cancel_reason == DUE_DATE_MOVED for b in cancelled)
    assert all(local_day(b) > new_due for b in cancelled)
    assert not cancelled.filter(reminders__status="pending").exists()
    assert not PlannedSession.objects.filter(status="planned").exists()
    assert len(mailoutbox) == 1
    assert "due date" in mailoutbox[0].subject.lower()
    assert mailoutbox[0].body.count("with ") >= 3


def test_due_date_moved_later_offers_the_extra_weeks_and_she_books_them(
    client, plan_to_due_date, django_capture_on_commit_callbacks, mailoutbox
):
    mother, plan = plan_to_due_date
    new_due = DUE + dt.timedelta(weeks=2)
    client.force_login(mother)
    profile = mother.pregnancy_profile
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("safety:profile"),
            {
                "due_date": new_due.isoformat(),
                "phone": profile.phone,
                "emergency_contact_name": profile.emergency_contact_name,
                "emergency_contact_phone": profile.emergency_contact_phone,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:due_date_changes")
    assert len(mailoutbox) == 1
    assert reverse("booking:extend_plan", kwargs={"pk": plan.pk}) in mailoutbox[0].body

    changes = client.get(reverse("booking:due_date_changes")).content.decode()
    assert "See the extra weeks" in changes

    preview = client.get(reverse("booking:extend_plan", kwargs={"pk": plan.pk}))
    dates = preview.context["preview"].dates
    assert [d.on for d in dates] == [DUE + dt.timedelta(weeks=1), new_due]
    assert all(d.is_later for d in dates)
    response = client.post(reverse("booking:extend_plan", kwargs={"pk": plan.pk}), {})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.ends_on == new_due
    assert set(plan.planned_sessions.filter(status="planned").values_list("on", flat=True)) >= {
        DUE + dt.timedelta(weeks=1),
        new_due,
    }
    # Nothing she already had changed.
    assert Booking.objects.filter(plan=plan, status="booked").count() == 12
