"""Safety stays in charge: only the "book by phone with the maternity team" block can be
booked, by a clinic admin, against a recorded clearance; no other block by anyone."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import Booking
from booking.services import book_plan, book_session, preview_plan
from booking.services.errors import NotAllowed, SafetyBlocked
from booking.services.flags import flags_for_review
from safety import engine
from safety import services as safety_services
from safety.models import AuditEntry, Clearance
from tests.frontdesk.conftest import local_today, make_ready_client, slot_at, weekly_slots

pytestmark = pytest.mark.django_db


def clear(client, clinic, admin, *, code="preeclampsia", days=30):
    return safety_services.record_phone_booking_clearance(
        client=client,
        clinic=clinic,
        code=code,
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=local_today(clinic),
        valid_until=local_today(clinic) + dt.timedelta(days=days),
        document_reference="MAT-2026-0042",
        recorded_by=admin,
    )


@pytest.fixture
def preeclampsia_client(clinic):
    client = make_ready_client(conditions=["preeclampsia"], first_name="Nia")
    clinic.registered_clients.add(client)
    return client


def test_only_preeclampsia_is_bookable_by_phone_with_clearance():
    assert {"preeclampsia"} == engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE
    for code in engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE:
        rule = engine.RULES_BY_CODE[code]
        assert rule.severity == engine.BLOCK
        assert "by phone" in rule.instruction and "maternity team" in rule.instruction


def test_preeclampsia_is_refused_without_a_clearance_and_booked_with_one(
    clinic, clinic_admin, therapist, preeclampsia_client
):
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    with pytest.raises(SafetyBlocked, match="Pre-eclampsia"):
        book_session(client=preeclampsia_client, slot=slot, booked_by=clinic_admin)

    clearance = clear(preeclampsia_client, clinic, clinic_admin)
    booking = book_session(client=preeclampsia_client, slot=slot, booked_by=clinic_admin)

    assert booking.booked_by == clinic_admin
    # The flag stays on the session and the therapist sees the clearance beside it.
    views = {view.flag.code: view for view in flags_for_review(booking)}
    assert views["preeclampsia"].flag.severity == "block"
    assert views["preeclampsia"].clearance == clearance
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.RECORDED_CLEARANCE, actor=clinic_admin, client=preeclampsia_client
    ).exists()


def test_therapist_sees_the_clearance_on_her_session_page(
    client, clinic, clinic_admin, therapist, preeclampsia_client
):
    clear(preeclampsia_client, clinic, clinic_admin)
    booking = book_session(
        client=preeclampsia_client,
        slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5)),
        booked_by=clinic_admin,
    )
    client.force_login(therapist.user)
    page = client.get(reverse("sessions:review", kwargs={"booking_id": booking.pk}))
    assert "Pre-eclampsia diagnosed" in page.content.decode()
    assert "Dr Ana Reyes, obstetrician" in page.content.decode()
    assert "MAT-2026-0042" in page.content.decode()


def test_the_clearance_lifts_the_block_for_the_admin_only_and_only_within_its_dates(
    clinic, clinic_admin, therapist, preeclampsia_client
):
    clear(preeclampsia_client, clinic, clinic_admin, days=10)
    inside = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    after = slot_at(therapist, local_today(clinic) + dt.timedelta(days=12))

    with pytest.raises(SafetyBlocked):
        book_session(client=preeclampsia_client, slot=inside)  # herself, online
    with pytest.raises(SafetyBlocked):
        book_session(client=preeclampsia_client, slot=inside, booked_by=therapist.user)
    with pytest.raises(SafetyBlocked):
        book_session(client=preeclampsia_client, slot=after, booked_by=clinic_admin)
    assert book_session(client=preeclampsia_client, slot=inside, booked_by=clinic_admin)


def test_a_plan_for_her_is_bookable_up_to_the_clearance_end(
    clinic, clinic_admin, therapist, preeclampsia_client
):
    weekly_slots(therapist, weeks=4)
    clear(preeclampsia_client, clinic, clinic_admin, days=14)
    plan = {
        "therapist": therapist,
        "weekdays": [0, 3],
        "local_time": dt.time(10),
        "starts_on": local_today(clinic) + dt.timedelta(days=3),
        "ends_on": local_today(clinic) + dt.timedelta(weeks=4),
    }
    preview = preview_plan(client=preeclampsia_client, booked_by=clinic_admin, **plan)
    last_cleared = local_today(clinic) + dt.timedelta(days=14)
    for planned in preview.dates:
        assert planned.is_free == (planned.on <= last_cleared), planned
    result = book_plan(client=preeclampsia_client, booked_by=clinic_admin, **plan)
    assert result.booked
    assert all(b.starts_at.date() <= last_cleared for b in result.booked)
    # Online, the same dates stay not bookable for her, clearance or not.
    online = preview_plan(client=preeclampsia_client, **plan)
    assert {planned.status for planned in online.dates} == {"safety"}


def test_suspected_dvt_cannot_be_overridden_by_anyone(clinic, clinic_admin, therapist):
    client = make_ready_client(conditions=["suspected_dvt"])
    clinic.registered_clients.add(client)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))

    with pytest.raises(safety_services.ClearanceError, match="can't be cleared"):
        clear(client, clinic, clinic_admin, code="suspected_dvt")
    # Even a clearance row for it, however it got there, changes nothing.
    Clearance.objects.create(
        client=client,
        code="suspected_dvt",
        issued_by="Someone",
        issued_on=local_today(clinic),
        valid_until=local_today(clinic) + dt.timedelta(days=30),
        recorded_by=clinic_admin,
    )
    for who in (None, clinic_admin, therapist.user):
        with pytest.raises(SafetyBlocked, match="blood clot"):
            book_session(client=client, slot=slot, booked_by=who)
    assert not Booking.objects.filter(client=client).exists()


def test_a_block_the_clinic_raised_stays_a_block_for_staff(clinic, clinic_admin, therapist):
    clinic.raised_severities = {"varicose_veins": "block"}
    clinic.save()
    client = make_ready_client(conditions=["varicose_veins"])
    clinic.registered_clients.add(client)
    with pytest.raises(SafetyBlocked):
        book_session(
            client=client,
            slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5)),
            booked_by=clinic_admin,
        )


def test_only_an_admin_of_her_clinic_records_the_clearance_with_dates_and_reference(
    clinic, clinic_admin, therapist, preeclampsia_client, other_admin
):
    for who in (therapist.user, other_admin):
        with pytest.raises(safety_services.ClearanceError, match="Only an admin"):
            clear(preeclampsia_client, clinic, who)
    with pytest.raises(safety_services.ClearanceError, match="until when"):
        safety_services.record_phone_booking_clearance(
            client=preeclampsia_client,
            clinic=clinic,
            code="preeclampsia",
            issued_by="Dr Reyes",
            issued_on=local_today(clinic),
            valid_until=None,
            document_reference="REF-1",
            recorded_by=clinic_admin,
        )
    with pytest.raises(safety_services.ClearanceError, match="reference"):
        safety_services.record_phone_booking_clearance(
            client=preeclampsia_client,
            clinic=clinic,
            code="preeclampsia",
            issued_by="Dr Reyes",
            issued_on=local_today(clinic),
            valid_until=local_today(clinic) + dt.timedelta(days=3),
            document_reference=" ",
            recorded_by=clinic_admin,
        )
    assert not Clearance.objects.exists()


def test_clearance_page_is_for_admins_and_keeps_bad_input(
    client, admin_client, clinic, therapist, preeclampsia_client
):
    url = reverse(
        "frontdesk:clearance", kwargs={"slug": clinic.slug, "client_id": preeclampsia_client.pk}
    )
    response = admin_client.post(
        url,
        {
            "code": "preeclampsia",
            "issued_by": "Dr Ana Reyes",
            "issued_on": (local_today(clinic) + dt.timedelta(days=2)).isoformat(),
            "valid_until": (local_today(clinic) + dt.timedelta(days=20)).isoformat(),
            "document_reference": "MAT-1",
        },
    )
    assert response.status_code == 400
    assert "future" in str(response.context["form"].errors["issued_on"])
    assert response.context["form"]["document_reference"].value() == "MAT-1"
    response = admin_client.post(
        url,
        {
            "code": "preeclampsia",
            "issued_by": "Dr Ana Reyes",
            "issued_on": local_today(clinic).isoformat(),
            "valid_until": (local_today(clinic) + dt.timedelta(days=20)).isoformat(),
            "document_reference": "MAT-1",
        },
    )
    assert response.status_code == 302
    assert Clearance.objects.get(client=preeclampsia_client).document_reference == "MAT-1"
    client.force_login(therapist.user)
    assert client.get(url).status_code == 404


def test_staff_booking_message_names_the_block_and_what_to_do(
    clinic, clinic_admin, therapist, preeclampsia_client
):
    with pytest.raises(SafetyBlocked) as error:
        book_session(
            client=preeclampsia_client,
            slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5)),
            booked_by=clinic_admin,
        )
    assert "maternity team" in str(error.value)
    with pytest.raises(NotAllowed):
        book_session(
            client=make_ready_client(),
            slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=6)),
            booked_by=clinic_admin,
        )
