"""Her reminder settings page, and the clinic admin's page of sent and failed reminders."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Reminder
from tests.factories import (
    BookingFactory,
    ClinicFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def reminder_at(therapist, *, status, kind="24h", days_ahead=2, **fields):
    starts_at = (timezone.now() + dt.timedelta(days=days_ahead)).replace(microsecond=0)
    slot = SlotFactory(
        therapist=therapist, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    booking = BookingFactory(slot=slot, client=UserFactory(first_name="Maya", last_name="Ito"))
    return Reminder.objects.create(
        booking=booking,
        kind=kind,
        send_at=starts_at - dt.timedelta(hours=24),
        status=status,
        **fields,
    )


class TestPreferences:
    url = reverse("booking:reminder_preferences")

    def test_shows_the_same_day_switch_as_she_left_it(self, client, client_user):
        client_user.same_day_reminders = False
        client_user.save()
        client.force_login(client_user)

        response = client.get(self.url)

        assert response.status_code == 200
        assert response.context["form"].initial["same_day_reminders"] is False
        assert "Remind me on the day too" in response.text

    def test_turning_the_same_day_reminder_off(self, client, client_user, therapist):
        reminder = reminder_at(therapist, status=Reminder.Status.PENDING, kind="2h")
        reminder.booking.client = client_user
        reminder.booking.save()
        client.force_login(client_user)

        response = client.post(self.url, {}, follow=True)

        client_user.refresh_from_db()
        assert client_user.same_day_reminders is False
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.CANCELLED
        assert "No more reminders on the day" in response.text

    def test_turning_it_back_on(self, client, client_user):
        client_user.same_day_reminders = False
        client_user.save()
        client.force_login(client_user)

        client.post(self.url, {"same_day_reminders": "on"})

        client_user.refresh_from_db()
        assert client_user.same_day_reminders is True

    def test_needs_a_logged_in_client(self, client, clinic_admin):
        assert client.get(self.url).status_code == 302
        client.force_login(clinic_admin)
        assert client.get(self.url).status_code == 403


class TestClinicReminders:
    url = reverse("clinics:reminders")

    def test_lists_failed_and_sent_reminders_of_upcoming_sessions_failed_first(
        self, client, clinic_admin, therapist
    ):
        sent = reminder_at(
            therapist, status=Reminder.Status.SENT, sent_at=timezone.now(), days_ahead=1
        )
        failed = reminder_at(
            therapist,
            status=Reminder.Status.FAILED,
            attempts=5,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
            days_ahead=3,
        )
        reminder_at(therapist, status=Reminder.Status.PENDING, days_ahead=5)
        client.force_login(clinic_admin)

        response = client.get(self.url)

        assert response.status_code == 200
        assert list(response.context["reminders"]) == [failed, sent]
        assert response.context["counts"] == {"sent": 1, "failed": 1, "waiting": 1}
        assert "Failed</strong> after 5 attempts" in response.text
        assert "SMTPServerDisconnected" in response.text
        assert "Maya Ito" in response.text

    def test_a_failed_confirmation_shows_beside_the_reminders(
        self, client, clinic_admin, therapist
    ):
        failed = reminder_at(
            therapist,
            status=Reminder.Status.FAILED,
            kind="booked",
            attempts=5,
            last_error="SMTPRecipientsRefused: mailbox unavailable",
        )
        sent = reminder_at(
            therapist,
            status=Reminder.Status.SENT,
            kind="cancelled",
            sent_at=timezone.now(),
            days_ahead=3,
        )
        client.force_login(clinic_admin)

        response = client.get(self.url)

        assert list(response.context["reminders"]) == [failed, sent]
        assert "Booking confirmed" in response.text
        assert "Cancellation" in response.text
        assert "mailbox unavailable" in response.text

    def test_shows_nothing_of_another_clinic(self, client, clinic_admin):
        elsewhere = TherapistFactory(clinic=ClinicFactory(name="Other Clinic"))
        reminder_at(elsewhere, status=Reminder.Status.FAILED, last_error="boom")
        client.force_login(clinic_admin)

        response = client.get(self.url)

        assert list(response.context["reminders"]) == []
        assert response.context["counts"] == {"sent": 0, "failed": 0, "waiting": 0}
        assert "No messages have gone out" in response.text

    def test_leaves_out_sessions_that_are_over(self, client, clinic_admin, therapist):
        reminder_at(therapist, status=Reminder.Status.SENT, days_ahead=-2)
        client.force_login(clinic_admin)

        assert list(client.get(self.url).context["reminders"]) == []

    def test_clients_and_therapists_are_refused(self, client, client_user, therapist):
        client.force_login(client_user)
        assert client.get(self.url).status_code == 403
        client.force_login(therapist.user)
        assert client.get(self.url).status_code == 403
