"""Two clients tapping the same offered time at once end with one booking (PostgreSQL)."""

import datetime as dt

import pytest

from booking.models import Booking
from clinics.models import Clinic
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.booking.test_race import run_at_once
from tests.factories import TherapistFactory
from waitlist import services
from waitlist.models import Offer

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_taps_at_once_on_an_offer_to_everyone_end_with_one_booking():
    therapist = TherapistFactory()
    clinic = therapist.clinic
    clinic.waitlist_offers = Clinic.WaitlistOffers.ALL_AT_ONCE
    clinic.save()
    day = next_weekday(clinic, 2)
    slot = slot_at(therapist, day, dt.time(10))
    clients = [make_ready_client() for _ in range(2)]
    for client in clients:
        services.join_waitlist(
            client=client,
            clinic=clinic,
            therapist=None,
            starts_on=day,
            ends_on=day,
        )
    services.offer_freed_slots(slot_ids=[slot.pk])
    tokens = {offer.entry.client_id: offer.token for offer in Offer.objects.select_related("entry")}

    results = run_at_once(
        2, lambda i: services.take_offer(token=tokens[clients[i].pk], client=clients[i])
    )

    bookings = [result for result in results if isinstance(result, Booking)]
    refusals = [result for result in results if isinstance(result, services.OfferGone)]
    assert len(bookings) == 1 and len(refusals) == 1, results
    assert str(refusals[0]) == "Sorry, that time was just taken."
    assert Booking.objects.filter(slot=slot, status=Booking.Status.BOOKED).count() == 1
    assert sorted(Offer.objects.values_list("status", flat=True)) == ["gone", "taken"]
