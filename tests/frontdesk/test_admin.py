"""The Django admin shows bookings read-only and sends the operator to the front desk."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking
from booking.services import book_session
from booking.services.errors import SafetyBlocked
from tests.frontdesk.conftest import local_today, make_ready_client, slot_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(clinic, therapist):
    return book_session(
        client=make_ready_client(first_name="Maya"),
        slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=4)),
    )


def test_bookings_are_read_only_in_the_django_admin(client, operator, booking):
    client.force_login(operator)
    change_url = reverse("admin:booking_booking_change", args=[booking.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:booking_booking_add")).status_code == 403
    response = client.post(change_url, {"status": "cancelled"})
    assert response.status_code == 403
    delete_url = reverse("admin:booking_booking_delete", args=[booking.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_admin_list_links_each_booking_to_the_front_desk(client, operator, clinic, booking):
    client.force_login(operator)
    html = client.get(reverse("admin:booking_booking_changelist")).content.decode()
    client_url = reverse(
        "frontdesk:client", kwargs={"slug": clinic.slug, "client_id": booking.client_id}
    )
    assert f'href="{client_url}"' in html
    day = clinic.local_date(booking.starts_at).isoformat()
    assert f"{reverse('frontdesk:day', kwargs={'slug': clinic.slug})}?day={day}" in html
    assert client.get(client_url).status_code == 200


def test_the_operator_books_at_the_front_desk_through_the_same_safety(
    client, operator, clinic, therapist
):
    customer = make_ready_client(conditions=["preeclampsia"])
    clinic.registered_clients.add(customer)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    client.force_login(operator)
    url = reverse(
        "frontdesk:book_slot",
        kwargs={"slug": clinic.slug, "client_id": customer.pk, "slot_id": slot.pk},
    )
    assert client.post(url).status_code == 409
    assert not Booking.objects.filter(slot=slot).exists()
    clearance = reverse(
        "frontdesk:clearance", kwargs={"slug": clinic.slug, "client_id": customer.pk}
    )
    assert client.get(clearance).status_code == 404
    with pytest.raises(SafetyBlocked):
        book_session(client=customer, slot=slot, booked_by=operator)


def test_clients_cannot_use_the_front_desk(client, clinic):
    customer = make_ready_client()
    client.force_login(customer)
    assert client.get(reverse("frontdesk:search", kwargs={"slug": clinic.slug})).status_code == 403
    assert client.get(reverse("frontdesk:home")).status_code == 403
