"""Staff book, move and cancel for a client through the same services she uses."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from booking.models import Booking, Plan, Reminder
from booking.services import book_plan, book_session, cancel_booking, cancel_plan, move_booking
from booking.services.errors import CancellationTooLate, NotAllowed, SlotUnavailable
from frontdesk.services import FrontDeskError, register_client
from safety import services as safety_services
from safety.models import AuditEntry, IntakeResponse, PregnancyProfile, SafetyFlag
from tests.frontdesk.conftest import (
    booked_a_while_ago,
    local_today,
    make_ready_client,
    slot_at,
    weekly_slots,
)

pytestmark = pytest.mark.django_db


def flags_by_date(client):
    return [
        (booking.starts_at.date(), sorted(f.code for f in booking.safety_flags.all()))
        for booking in Booking.objects.filter(client=client).order_by("starts_at")
    ]


def reminders_by_date(client):
    return [
        (booking.starts_at.date(), sorted(r.kind for r in booking.reminders.all()))
        for booking in Booking.objects.filter(client=client).order_by("starts_at")
    ]


def test_admin_books_a_plan_for_a_phone_client_with_a_clot_history_like_she_would_herself(
    clinic,
    clinic_admin,
    therapist,
    other_therapist,
    admin_client,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    due_date = local_today(clinic) + dt.timedelta(weeks=14)
    herself = make_ready_client(due_date=due_date, conditions=["dvt_history"], first_name="Online")
    weekly_slots(therapist)
    weekly_slots(other_therapist)
    plan = {
        "weekdays": [0, 3],
        "local_time": dt.time(10),
        "starts_on": local_today(clinic),
        "ends_on": local_today(clinic) + dt.timedelta(weeks=5),
    }
    with django_capture_on_commit_callbacks(execute=True):
        book_plan(client=herself, therapist=therapist, **plan)
    her_email = mailoutbox.pop()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("frontdesk:new_client", kwargs={"slug": clinic.slug}),
            {
                "first_name": "Priya",
                "last_name": "Shah",
                "email": "priya@example.com",
                "phone": "+44 7700 900123",
                "due_date": due_date.isoformat(),
                "conditions": ["dvt_history"],
                "consent": "on",
            },
        )
    assert response.status_code == 302
    caller = PregnancyProfile.objects.get(phone="+44 7700 900123").client
    invitation = mailoutbox.pop()
    assert invitation.to == ["priya@example.com"]
    assert "Choose your password" in invitation.body
    assert "/accounts/invite/" in invitation.body
    assert "/health/questions/" in invitation.body
    url = reverse("frontdesk:plan", kwargs={"slug": clinic.slug, "client_id": caller.pk})
    form = {
        "therapist": other_therapist.pk,
        "weekdays": ["0", "3"],
        "local_time": "10:00",
        "starts_on": plan["starts_on"].isoformat(),
        "ends_on": plan["ends_on"].isoformat(),
    }
    preview = admin_client.get(url, form)
    assert preview.status_code == 200
    assert "plan preview" not in preview.content.decode()  # the template's note stays hidden
    slot_ids = [planned.slot.pk for planned in preview.context["preview"].dates if planned.slot]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {**form, "slot": slot_ids})
    assert response.status_code == 302

    # The same flags, reminders and messages as when she booked herself.
    assert flags_by_date(caller) == flags_by_date(herself)
    assert any("clotting_history" in codes for _, codes in flags_by_date(caller))
    assert reminders_by_date(caller) == reminders_by_date(herself)
    staff_email = mailoutbox.pop()
    assert staff_email.subject == her_email.subject
    assert staff_email.to == ["priya@example.com"]
    assert len(staff_email.attachments) == len(her_email.attachments) == 1
    assert not mailoutbox

    # Who did it is recorded, on every session, on the plan and in the audit trail.
    assert set(Booking.objects.filter(client=caller).values_list("booked_by", flat=True)) == {
        clinic_admin.pk
    }
    assert Plan.objects.get(client=caller).booked_by == clinic_admin
    assert set(Booking.objects.filter(client=herself).values_list("booked_by", flat=True)) == {None}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BOOKED_FOR_CLIENT, client=caller)
    assert entry.actor == clinic_admin
    assert entry.clinic == clinic
    assert "Weekly plan" in entry.detail
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CHANGED_INTAKE, client=caller, actor=clinic_admin
    ).exists()


def test_registering_a_caller_keeps_her_answers_only_with_her_consent(clinic, clinic_admin):
    with pytest.raises(FrontDeskError) as error:
        register_client(
            clinic=clinic,
            registered_by=clinic_admin,
            first_name="Lena",
            last_name="",
            email="lena@example.com",
            phone="07700 900555",
            due_date=local_today(clinic) + dt.timedelta(weeks=20),
            conditions=["varicose_veins"],
            consent=False,
        )
    assert error.value.field == "consent"
    client = register_client(
        clinic=clinic,
        registered_by=clinic_admin,
        first_name="Lena",
        last_name="",
        email="lena@example.com",
        phone="07700 900555",
        due_date=local_today(clinic) + dt.timedelta(weeks=20),
    )
    assert not client.has_usable_password()
    assert not IntakeResponse.objects.filter(client=client).exists()
    assert clinic.registered_clients.filter(pk=client.pk).exists()


def test_registering_an_email_that_has_an_account_is_refused_beside_the_field(clinic, admin_client):
    make_ready_client(email="taken@example.com")
    response = admin_client.post(
        reverse("frontdesk:new_client", kwargs={"slug": clinic.slug}),
        {
            "first_name": "Ana",
            "email": "Taken@Example.com",
            "phone": "0123 456789",
            "due_date": (local_today(clinic) + dt.timedelta(weeks=20)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "already has a Bolster account" in str(response.context["form"].errors["email"])
    assert response.context["form"]["first_name"].value() == "Ana"


def new_caller_form(clinic, **fields) -> dict:
    return {"first_name": "Noor", "email": "noor@example.com", "phone": "07700 900777", **fields}


def test_a_caller_whose_baby_has_arrived_is_registered_with_the_birth(clinic, admin_client):
    born = local_today(clinic) - dt.timedelta(weeks=7)
    response = admin_client.post(
        reverse("frontdesk:new_client", kwargs={"slug": clinic.slug}),
        new_caller_form(clinic, birth_date=born.isoformat(), delivery="caesarean"),
    )

    assert response.status_code == 302
    profile = PregnancyProfile.objects.get(client__email="noor@example.com")
    assert (profile.birth_date, profile.delivery, profile.due_date) == (born, "caesarean", born)
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.RECORDED_BIRTH, client=profile.client
    ).exists()
    page = admin_client.get(response.url).content.decode()
    assert "Baby born" in page and "7 weeks ago" in page
    assert "Due date" not in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "due_date", "Give her due date, or her baby's birth date."),
        ({"birth_date": "2026-11-01"}, "delivery", "vaginal or by caesarean"),
        ({"delivery": "vaginal"}, "birth_date", "Give the baby's birth date"),
        ({"birth_date": "0001-01-01", "delivery": "vaginal"}, "birth_date", "Choose a date"),
    ],
)
def test_a_caller_needs_a_due_date_or_a_whole_birth(clinic, admin_client, fields, field, message):
    response = admin_client.post(
        reverse("frontdesk:new_client", kwargs={"slug": clinic.slug}),
        new_caller_form(clinic, **fields),
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.filter(email="noor@example.com").exists()


def test_a_birth_the_rules_refuse_leaves_no_half_registered_client(clinic, admin_client):
    tomorrow = local_today(clinic) + dt.timedelta(days=1)
    response = admin_client.post(
        reverse("frontdesk:new_client", kwargs={"slug": clinic.slug}),
        new_caller_form(clinic, birth_date=tomorrow.isoformat(), delivery="vaginal"),
    )
    assert response.status_code == 400
    assert "can't be in the future" in " ".join(response.context["form"].errors["birth_date"])
    assert response.context["form"]["first_name"].value() == "Noor"
    assert not User.objects.filter(email="noor@example.com").exists()


def test_a_caller_with_only_a_phone_is_booked_and_her_e_mails_are_skipped_not_failed(
    clinic,
    clinic_admin,
    therapist,
    admin_client,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    new_url = reverse("frontdesk:new_client", kwargs={"slug": clinic.slug})
    due = (local_today(clinic) + dt.timedelta(weeks=18)).isoformat()
    no_contact = admin_client.post(new_url, {"first_name": "Zara", "due_date": due})
    assert "Give her phone number, her e-mail, or both." in " ".join(
        no_contact.context["form"].errors["phone"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            new_url,
            {"first_name": "Zara", "phone": "07700 900888", "due_date": due},
            follow=True,
        )
    assert "registered without an e-mail" in response.content.decode()
    zara = PregnancyProfile.objects.get(phone="07700 900888").client
    assert zara.email is None and not zara.has_usable_password()
    page = response.content.decode()
    add_url = reverse("frontdesk:add_email", kwargs={"slug": clinic.slug, "client_id": zara.pk})
    assert add_url in page

    # Booked on the phone: her messages are written and skipped, nothing is sent or retried.
    safety_services.record_intake(
        client=zara, conditions=[], notes={}, consent=True, recorded_by=clinic_admin, clinic=clinic
    )
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        book_session(client=zara, slot=slot, booked_by=clinic_admin)
    confirmation = Reminder.objects.get(recipient=zara, kind="booked")
    assert confirmation.status == Reminder.Status.SKIPPED
    assert confirmation.last_error == "No address on this channel"
    assert not mailoutbox

    # Her address, added later, invites her online.
    with django_capture_on_commit_callbacks(execute=True):
        added = admin_client.post(add_url, {"email": " Zara@Example.com "})
    assert added.status_code == 302
    zara.refresh_from_db()
    assert zara.email == "zara@example.com"
    assert [mail.to for mail in mailoutbox] == [["zara@example.com"]]
    assert admin_client.get(add_url).status_code == 404


def test_adding_an_e_mail_that_has_an_account_is_refused_beside_the_field(
    clinic, clinic_admin, admin_client
):
    make_ready_client(email="taken@example.com")
    zara = register_client(
        clinic=clinic,
        registered_by=clinic_admin,
        first_name="Zara",
        last_name="",
        email="",
        phone="07700 900888",
        due_date=local_today(clinic) + dt.timedelta(weeks=18),
    )
    url = reverse("frontdesk:add_email", kwargs={"slug": clinic.slug, "client_id": zara.pk})
    response = admin_client.post(url, {"email": "TAKEN@example.com"})
    assert response.status_code == 400
    assert "already has a Bolster account" in " ".join(response.context["form"].errors["email"])
    zara.refresh_from_db()
    assert zara.email is None


def test_search_finds_her_by_name_email_or_phone_however_the_number_is_typed(
    clinic, clinic_admin, admin_client
):
    client = register_client(
        clinic=clinic,
        registered_by=clinic_admin,
        first_name="Priya",
        last_name="Shah",
        email="priya.shah@example.com",
        phone="+44 7700 900123",
        due_date=local_today(clinic) + dt.timedelta(weeks=20),
    )
    url = reverse("frontdesk:search", kwargs={"slug": clinic.slug})
    for query in ["priya", "Shah", "priya shah", "PRIYA.SHAH@", "07700 900123", "7700900123"]:
        response = admin_client.get(url, {"q": query})
        assert [c.pk for c in response.context["results"]] == [client.pk], query
    assert admin_client.get(url, {"q": "nobody"}).context["results"] == []


def test_therapist_books_only_her_own_slots(clinic, therapist, other_therapist):
    client = make_ready_client()
    clinic.registered_clients.add(client)
    own = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    others = slot_at(other_therapist, local_today(clinic) + dt.timedelta(days=4))

    with pytest.raises(NotAllowed):
        book_session(client=client, slot=others, booked_by=therapist.user)
    booking = book_session(client=client, slot=own, booked_by=therapist.user)
    assert booking.booked_by == therapist.user
    assert not Booking.objects.filter(slot=others).exists()


def test_therapist_cannot_book_another_clinics_client(clinic, therapist, other_clinic):
    stranger = make_ready_client()
    other_clinic.registered_clients.add(stranger)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    with pytest.raises(NotAllowed):
        book_session(client=stranger, slot=slot, booked_by=therapist.user)


def test_therapist_pages_hide_other_therapists_slots_and_sessions(
    client, clinic, therapist, other_therapist
):
    customer = make_ready_client()
    clinic.registered_clients.add(customer)
    others = slot_at(other_therapist, local_today(clinic) + dt.timedelta(days=4))
    theirs = book_session(
        client=customer,
        slot=slot_at(other_therapist, local_today(clinic) + dt.timedelta(days=6)),
    )
    client.force_login(therapist.user)
    kwargs = {"slug": clinic.slug, "client_id": customer.pk, "slot_id": others.pk}
    assert client.post(reverse("frontdesk:book_slot", kwargs=kwargs)).status_code == 404
    for name in ("move", "cancel"):
        url = reverse(f"frontdesk:{name}", kwargs={"slug": clinic.slug, "booking_id": theirs.pk})
        assert client.get(url).status_code == 404
    assert not Booking.objects.filter(slot=others).exists()


def test_admin_of_another_clinic_gets_404_for_this_clinics_clients(
    client, clinic, other_admin, therapist
):
    customer = make_ready_client(first_name="Maya")
    clinic.registered_clients.add(customer)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    client.force_login(other_admin)
    client_url = reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": customer.pk})
    assert client.get(client_url).status_code == 404
    assert client.get(reverse("frontdesk:search", kwargs={"slug": clinic.slug})).status_code == 404
    book_url = reverse(
        "frontdesk:book_slot",
        kwargs={"slug": clinic.slug, "client_id": customer.pk, "slot_id": slot.pk},
    )
    assert client.post(book_url).status_code == 404
    with pytest.raises(NotAllowed):
        book_session(client=customer, slot=slot, booked_by=other_admin)
    assert not Booking.objects.filter(client=customer).exists()


def test_admin_searching_her_own_clinic_never_finds_another_clinics_client(
    admin_client, clinic, other_clinic, other_admin
):
    stranger = make_ready_client(first_name="Maya")
    other_clinic.registered_clients.add(stranger)
    response = admin_client.get(
        reverse("frontdesk:search", kwargs={"slug": clinic.slug}), {"q": "Maya"}
    )
    assert response.context["results"] == []
    url = reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": stranger.pk})
    assert admin_client.get(url).status_code == 404


def test_admin_books_one_session_from_the_client_page(
    admin_client, clinic, clinic_admin, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    customer = make_ready_client()
    clinic.registered_clients.add(customer)
    slot = slot_at(therapist, local_today(clinic) + dt.timedelta(days=4))
    page = admin_client.get(
        reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": customer.pk}),
        {"day": (local_today(clinic) + dt.timedelta(days=4)).isoformat()},
    )
    assert [s["id"] for s in page.context["picker_slots"]] == [slot.pk]
    url = reverse(
        "frontdesk:book_slot",
        kwargs={"slug": clinic.slug, "client_id": customer.pk, "slot_id": slot.pk},
    )
    assert admin_client.get(url).status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEWED_FLAGS, actor=clinic_admin, client=customer
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url).status_code == 302
    booking = Booking.objects.get(client=customer)
    assert booking.booked_by == clinic_admin
    assert Reminder.objects.filter(booking=booking).exists()
    assert SafetyFlag.objects.filter(booking=booking).exists()
    assert mailoutbox[0].to == [customer.email]
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.BOOKED_FOR_CLIENT, actor=clinic_admin, client=customer
    ).exists()


def test_staff_move_and_cancel_inside_the_notice_period_which_she_cannot(
    clinic, clinic_admin, therapist, django_capture_on_commit_callbacks, mailoutbox
):
    customer = make_ready_client()
    soon = book_session(
        client=customer, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=1))
    )
    booked_a_while_ago(soon)
    clinic.cancellation_notice_hours = 72
    clinic.save()
    later = slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))

    with pytest.raises(CancellationTooLate):
        move_booking(booking=soon, new_slot=later)
    with django_capture_on_commit_callbacks(execute=True):
        moved = move_booking(booking=soon, new_slot=later, booked_by=clinic_admin)
    assert moved.booked_by == clinic_admin
    assert mailoutbox[-1].subject == "Your prenatal massage has moved"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.MOVED_FOR_CLIENT, actor=clinic_admin
    ).exists()

    inside = book_session(
        client=customer, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=2))
    )
    booked_a_while_ago(inside)
    with pytest.raises(CancellationTooLate):
        cancel_booking(booking=inside, by=Booking.CancelledBy.CLIENT)
    cancelled = cancel_booking(
        booking=inside, by=Booking.CancelledBy.CLIENT, cancelled_by=clinic_admin
    )
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.attendance == Booking.Attendance.CANCELLED_LATE
    assert not cancelled.reminders.filter(status=Reminder.Status.PENDING).exists()
    in_time = cancel_booking(
        booking=moved, by=Booking.CancelledBy.CLIENT, cancelled_by=clinic_admin
    )
    assert in_time.attendance == ""
    assert (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.CANCELLED_FOR_CLIENT, actor=clinic_admin
        ).count()
        == 2
    )


def test_staff_cancel_page_cancels_for_the_clinic_with_her_reason(admin_client, clinic, therapist):
    customer = make_ready_client()
    booking = book_session(
        client=customer, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(days=5))
    )
    url = reverse("frontdesk:cancel", kwargs={"slug": clinic.slug, "booking_id": booking.pk})
    response = admin_client.post(url, {"by": "clinic", "reason": "Therapist ill"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        "clinic",
        "Therapist ill",
    )
    assert admin_client.post(url, {"by": "clinic"}).status_code == 400


def test_a_therapist_finds_her_own_clients_and_new_callers_not_a_colleagues(
    client, clinic, clinic_admin, therapist, other_therapist
):
    hers = make_ready_client(first_name="Maya", last_name="Hers")
    book_session(client=hers, slot=slot_at(therapist, local_today(clinic) + dt.timedelta(4)))
    colleagues = make_ready_client(first_name="Maya", last_name="Colleagues")
    book_session(
        client=colleagues, slot=slot_at(other_therapist, local_today(clinic) + dt.timedelta(4))
    )
    caller = register_client(
        clinic=clinic,
        registered_by=clinic_admin,
        first_name="Maya",
        last_name="Caller",
        email="maya.caller@example.com",
        phone="0123 456 789",
        due_date=local_today(clinic) + dt.timedelta(weeks=20),
    )
    client.force_login(therapist.user)
    found = client.get(reverse("frontdesk:search", kwargs={"slug": clinic.slug}), {"q": "Maya"})
    assert {c.pk for c in found.context["results"]} == {hers.pk, caller.pk}
    url = reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": colleagues.pk})
    assert client.get(url).status_code == 404
    with pytest.raises(NotAllowed):
        book_session(
            client=colleagues,
            slot=slot_at(therapist, local_today(clinic) + dt.timedelta(6)),
            booked_by=therapist.user,
        )


def test_staff_cancel_the_rest_of_her_plan_including_sessions_inside_the_notice_period(
    clinic, clinic_admin, therapist
):
    customer = make_ready_client()
    weekly_slots(therapist, weeks=3)
    result = book_plan(
        client=customer,
        therapist=therapist,
        weekdays=[0, 3],
        local_time=dt.time(10),
        starts_on=local_today(clinic) + dt.timedelta(days=3),
        ends_on=local_today(clinic) + dt.timedelta(weeks=4),
    )
    booked_a_while_ago(*result.booked)
    clinic.cancellation_notice_hours = 24 * 8
    clinic.save()
    online = cancel_plan(plan=result.plan)
    assert online.too_late and online.cancelled
    result.plan.refresh_from_db()
    assert result.plan.status == Plan.Status.ACTIVE

    by_staff = cancel_plan(plan=result.plan, cancelled_by=clinic_admin)
    assert not by_staff.too_late
    assert [b.pk for b in by_staff.cancelled] == [b.pk for b in online.too_late]
    assert {b.attendance for b in by_staff.cancelled} == {Booking.Attendance.CANCELLED_LATE}
    result.plan.refresh_from_db()
    assert result.plan.status == Plan.Status.CANCELLED
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CANCELLED_FOR_CLIENT, actor=clinic_admin, client=customer
    ).exists()


def booked_plan(client, therapist):
    weekly_slots(therapist, weeks=3)
    today = local_today(therapist.clinic)
    return book_plan(
        client=client,
        therapist=therapist,
        weekdays=[0, 3],
        local_time=dt.time(10),
        starts_on=today + dt.timedelta(days=3),
        ends_on=today + dt.timedelta(weeks=4),
    )


def test_staff_cancel_her_whole_plan_from_her_page(
    admin_client, clinic, clinic_admin, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    customer = make_ready_client()
    result = booked_plan(customer, therapist)
    page_url = reverse("frontdesk:client", kwargs={"slug": clinic.slug, "client_id": customer.pk})
    cancel_url = reverse(
        "frontdesk:cancel_plan", kwargs={"slug": clinic.slug, "plan_id": result.plan.pk}
    )
    assert cancel_url in admin_client.get(page_url).content.decode()
    confirm = admin_client.get(cancel_url).content.decode()
    assert confirm.count('class="plan-session"') == len(result.booked)

    assert admin_client.post(cancel_url, {"by": "nobody"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(cancel_url, {"by": "clinic"}, follow=True)

    assert f"{len(result.booked)} sessions cancelled" in response.content.decode()
    result.plan.refresh_from_db()
    assert result.plan.status == Plan.Status.CANCELLED
    assert set(result.plan.bookings.values_list("status", "cancelled_by")) == {
        ("cancelled", "clinic")
    }
    assert [mail.to for mail in mailoutbox] == [[customer.email]]
    # A cancelled plan is no longer offered, and cannot be cancelled twice.
    assert cancel_url not in admin_client.get(page_url).content.decode()
    assert admin_client.get(cancel_url).status_code == 404


def test_only_the_plans_own_staff_may_cancel_it(
    client, clinic, therapist, other_therapist, other_admin
):
    result = booked_plan(make_ready_client(), therapist)
    url = reverse("frontdesk:cancel_plan", kwargs={"slug": clinic.slug, "plan_id": result.plan.pk})
    for outsider in (other_therapist.user, other_admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"by": "clinic"}).status_code == 404
    client.force_login(therapist.user)
    assert client.get(url).status_code == 200
    result.plan.refresh_from_db()
    assert result.plan.status == Plan.Status.ACTIVE


def test_staff_book_her_in_sooner_than_the_clinics_notice_to_book_online(
    clinic, clinic_admin, therapist
):
    clinic.booking_notice_hours = 72
    clinic.save()
    customer = make_ready_client()
    clinic.registered_clients.add(customer)  # she called the clinic
    tomorrow = slot_at(therapist, local_today(clinic) + dt.timedelta(days=1))

    with pytest.raises(SlotUnavailable, match="at least 72 hours ahead"):
        book_session(client=customer, slot=tomorrow)
    booking = book_session(client=customer, slot=tomorrow, booked_by=clinic_admin)
    assert booking.booked_by == clinic_admin
    # Her grace to change her mind runs from this booking, as when she books herself.
    assert booking.change_grace_until is not None
