"""On a phone: she joins the waitlist, another client cancels, she follows the offer and books."""

import datetime as dt
import re

import pytest
from django.core import mail

from booking.models import Booking
from booking.services import book_session, cancel_booking
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.e2e.conftest import log_in
from tests.factories import DEFAULT_PASSWORD, ClinicFactory, TherapistFactory, UserFactory
from waitlist.models import Entry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_she_joins_the_waitlist_and_books_a_freed_time_from_the_offer(page, screenshot):
    clinic = ClinicFactory(name="Camden Bump Clinic", slug="camden-bump-clinic")
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind", user=UserFactory())
    wednesday = next_weekday(clinic, 2)
    slot = slot_at(rosa, wednesday, dt.time(10))
    zoe = make_ready_client(email="zoe@example.com")
    zoes_booking = book_session(client=zoe, slot=slot)
    make_ready_client(email="maya@example.com", first_name="Maya")

    log_in(page, "maya@example.com", DEFAULT_PASSWORD)
    page.goto(f"/book/clinic/{clinic.slug}/")
    page.get_by_role("link", name="Join the waitlist").click()
    page.get_by_label("Morning (before 12:00)").check()
    screenshot("join")
    page.get_by_role("button", name="Join the waitlist").click()
    page.get_by_text("You're on the waitlist").wait_for()
    screenshot("waiting")
    assert Entry.objects.get(client__email="maya@example.com").status == Entry.Status.WAITING

    mail.outbox.clear()
    cancel_booking(booking=zoes_booking, by=Booking.CancelledBy.CLIENT, enforce_notice=False)

    [offer_mail] = [m for m in mail.outbox if m.to == ["maya@example.com"]]
    link = re.search(r"https?://\S+/waitlist/offer/\S+/", offer_mail.body).group()
    page.goto(link[link.index("/waitlist/") :])
    page.get_by_text("Held for you until").wait_for()
    screenshot("offer")
    page.get_by_role("button", name="Book this time").click()
    page.get_by_text("Booked. See you then!").wait_for()
    screenshot("booked")

    booking = Booking.objects.get(slot=slot, status=Booking.Status.BOOKED)
    assert booking.client.email == "maya@example.com"
    assert Entry.objects.get(client=booking.client).status == Entry.Status.BOOKED
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
