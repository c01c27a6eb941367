"""The waitlist: freed times offered in join order, held and passed on, first tap wins."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.urls import reverse

from booking.models import Booking, Reminder, Slot
from booking.services import book_session, cancel_booking, move_booking
from booking.services.slots import block_slots, unblock_slots
from clinics.models import Clinic
from privacy.services import delete_client_account, export_client_data
from tests.booking.conftest import local_today, make_ready_client, next_weekday, slot_at
from tests.factories import TherapistFactory
from waitlist import services
from waitlist.models import Entry, Offer

pytestmark = pytest.mark.django_db

# The real one, before the suite's fixture offers freed slots in-process.
REAL_ENQUEUE_OFFERS = services.enqueue_offers


def wait_for(client, clinic, day, **fields) -> Entry:
    return services.join_waitlist(
        client=client,
        clinic=clinic,
        therapist=fields.pop("therapist", None),
        starts_on=fields.pop("starts_on", day - dt.timedelta(days=1)),
        ends_on=fields.pop("ends_on", day + dt.timedelta(days=7)),
        **fields,
    )


@pytest.fixture
def freed(therapist, django_capture_on_commit_callbacks):
    """A Wednesday 10:00 session booked by Zoe, and the function that cancels it."""
    day = next_weekday(therapist.clinic, 2)
    slot = slot_at(therapist, day, dt.time(10))
    zoe = make_ready_client(email="zoe@example.com")
    booking = book_session(client=zoe, slot=slot)

    def cancel():
        with django_capture_on_commit_callbacks(execute=True):
            cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT, enforce_notice=False)

    cancel.slot, cancel.day = slot, day
    return cancel


def offers_to(client) -> list[Offer]:
    return list(Offer.objects.filter(entry__client=client))


def test_a_cancellation_is_offered_to_the_first_fitting_entry_and_held_for_her(
    therapist, freed, frozen_clock
):
    clinic = therapist.clinic
    now = dt.datetime.combine(local_today(clinic), dt.time(11), tzinfo=clinic.tz)
    frozen_clock(now)
    maya = make_ready_client(email="maya@example.com")
    ana = make_ready_client(email="ana@example.com")
    afternoons = make_ready_client(email="pm@example.com")
    wait_for(afternoons, clinic, freed.day, parts_of_day=["afternoon"])
    wait_for(maya, clinic, freed.day)
    wait_for(ana, clinic, freed.day)
    mail.outbox.clear()

    freed()

    [offer] = Offer.objects.all()
    assert offer.entry.client == maya and offer.slot == freed.slot
    assert offer.expires_at == now + dt.timedelta(minutes=30)
    message = Reminder.objects.get(kind="waitlist_offer")
    assert message.recipient == maya and message.status == Reminder.Status.SENT
    [email] = [m for m in mail.outbox if m.to == ["maya@example.com"]]
    assert reverse("waitlist:offer", kwargs={"token": offer.token}) in email.body
    assert offers_to(ana) == [] and offers_to(afternoons) == []


def test_the_hold_runs_out_and_passes_to_the_second_in_line(therapist, freed, frozen_clock):
    clinic = therapist.clinic
    now = dt.datetime.combine(local_today(clinic), dt.time(11), tzinfo=clinic.tz)
    frozen_clock(now)
    maya = make_ready_client(email="maya@example.com")
    ana = make_ready_client(email="ana@example.com")
    wait_for(maya, clinic, freed.day)
    wait_for(ana, clinic, freed.day)
    freed()

    frozen_clock(now + dt.timedelta(minutes=29))
    assert services.pass_on_expired_offers() == 0
    frozen_clock(now + dt.timedelta(minutes=31))
    assert services.pass_on_expired_offers() == 1

    [first] = offers_to(maya)
    [second] = offers_to(ana)
    assert first.status == Offer.Status.EXPIRED
    assert second.status == Offer.Status.OFFERED
    with pytest.raises(services.OfferGone, match="gone to the next person"):
        services.take_offer(token=first.token, client=maya)
    booking = services.take_offer(token=second.token, client=ana)
    assert booking.slot == freed.slot and booking.client == ana
    entry = Entry.objects.get(client=ana)
    assert (entry.status, entry.booking) == (Entry.Status.BOOKED, booking)


def test_a_client_whose_safety_rules_block_the_date_is_skipped_with_the_reason(therapist, freed):
    clinic = therapist.clinic
    bleeding = make_ready_client(email="b@example.com", conditions=["vaginal_bleeding"])
    maya = make_ready_client(email="maya@example.com")
    wait_for(bleeding, clinic, freed.day)
    wait_for(maya, clinic, freed.day)

    freed()

    [skipped] = offers_to(bleeding)
    assert skipped.status == Offer.Status.SKIPPED
    assert "Bleeding or fluid loss" in skipped.reason
    assert [offer.status for offer in offers_to(maya)] == [Offer.Status.OFFERED]
    assert not Reminder.objects.filter(kind="waitlist_offer", recipient=bleeding).exists()


def test_entries_that_do_not_fit_are_not_offered(therapist, freed):
    clinic = therapist.clinic
    busy = make_ready_client()
    book_session(client=busy, slot=slot_at(therapist, freed.day, dt.time(15)))
    wait_for(busy, clinic, freed.day, therapist=therapist)
    other = TherapistFactory(clinic=clinic, display_name="Amira")
    later = make_ready_client()
    wait_for(later, clinic, freed.day, starts_on=freed.day + dt.timedelta(days=1))
    wrong_day = make_ready_client()
    wait_for(wrong_day, clinic, freed.day, weekdays=[(freed.day.weekday() + 1) % 7])
    amira_only = make_ready_client()
    wait_for(amira_only, clinic, freed.day, therapist=other)
    elsewhere = make_ready_client()
    wait_for(elsewhere, Clinic.objects.create(name="Elsewhere", slug="elsewhere"), freed.day)

    freed()

    assert not Offer.objects.exists()


def test_all_at_once_offers_everyone_and_the_first_tap_wins(therapist, freed, client):
    clinic = therapist.clinic
    clinic.waitlist_offers = Clinic.WaitlistOffers.ALL_AT_ONCE
    clinic.save()
    maya = make_ready_client(email="maya@example.com")
    ana = make_ready_client(email="ana@example.com")
    wait_for(maya, clinic, freed.day)
    wait_for(ana, clinic, freed.day)

    freed()

    [for_maya] = offers_to(maya)
    [for_ana] = offers_to(ana)
    assert for_maya.expires_at is None and for_ana.status == Offer.Status.OFFERED
    assert Reminder.objects.filter(kind="waitlist_offer").count() == 2
    services.take_offer(token=for_ana.token, client=ana)

    client.force_login(maya)
    url = reverse("waitlist:offer", kwargs={"token": for_maya.token})
    response = client.post(url)
    assert response.status_code == 409
    assert "that time was just taken" in response.content.decode()
    assert Booking.objects.filter(slot=freed.slot, status=Booking.Status.BOOKED).count() == 1


def test_a_move_a_reopened_block_and_new_slots_are_offered_too(
    therapist, clinic_admin, django_capture_on_commit_callbacks
):
    clinic = therapist.clinic
    day = next_weekday(clinic, 2)
    first, second, third = (slot_at(therapist, day, dt.time(hour)) for hour in (9, 11, 14))
    zoe = make_ready_client()
    booking = book_session(client=zoe, slot=first)
    maya = make_ready_client()
    wait_for(maya, clinic, day)
    with django_capture_on_commit_callbacks(execute=True):
        block_slots(slots=[third], reason="Training", by_user=clinic_admin)
    assert not Offer.objects.exists()  # blocked, so not free

    with django_capture_on_commit_callbacks(execute=True):
        move_booking(booking=booking, new_slot=second)
    assert [o.slot for o in offers_to(maya)] == [first]

    with django_capture_on_commit_callbacks(execute=True):
        unblock_slots(slots=[third])
    assert {o.slot for o in offers_to(maya)} == {first, third}


def test_booking_a_fitting_time_ends_her_entry(therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, 2)
    maya = make_ready_client()
    entry = wait_for(maya, clinic, day)
    elsewhere = wait_for(maya, Clinic.objects.create(name="Elsewhere", slug="elsewhere"), day)

    booking = book_session(client=maya, slot=slot_at(therapist, day, dt.time(10)))

    entry.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (entry.status, entry.booking) == (Entry.Status.BOOKED, booking)
    assert elsewhere.status == Entry.Status.WAITING


def test_an_entry_expires_after_its_last_day(therapist, frozen_clock):
    clinic = therapist.clinic
    day = next_weekday(clinic, 2)
    entry = wait_for(make_ready_client(), clinic, day, ends_on=day)
    frozen_clock(dt.datetime.combine(day, dt.time(23, 30), tzinfo=clinic.tz))
    services.pass_on_expired_offers()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.WAITING
    frozen_clock(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 5), tzinfo=clinic.tz))
    services.pass_on_expired_offers()
    entry.refresh_from_db()
    assert entry.status == Entry.Status.EXPIRED


@pytest.mark.parametrize("waiting", [3, 40])
@pytest.mark.parametrize("strategy", Clinic.WaitlistOffers.values)
def test_offering_costs_the_same_queries_however_many_wait(
    therapist, waiting, strategy, django_assert_num_queries
):
    clinic = therapist.clinic
    clinic.waitlist_offers = strategy
    clinic.save()
    day = next_weekday(clinic, 2)
    slot = slot_at(therapist, day, dt.time(10))
    for _ in range(waiting):
        wait_for(make_ready_client(), clinic, day)

    # Savepoint, slot, entries, offers so far, profiles, answers, her sessions those days,
    # the recipients, offers, messages, release.
    with django_assert_num_queries(11):
        offers = services.offer_freed_slots(slot_ids=[slot.pk])
    assert len(offers) == (waiting if strategy == "all_at_once" else 1)


def test_holding_in_turn_reads_further_down_the_line_when_the_first_are_skipped(therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, 2)
    slot = slot_at(therapist, day, dt.time(10))
    blocked = [
        make_ready_client(conditions=["vaginal_bleeding"])
        for _ in range(services.CANDIDATES_PER_READ + 2)
    ]
    for client in blocked:
        wait_for(client, clinic, day)
    maya = make_ready_client()
    wait_for(maya, clinic, day)

    offers = services.offer_freed_slots(slot_ids=[slot.pk])

    assert [offer.status for offer in offers] == ["skipped"] * len(blocked) + ["offered"]
    assert offers[-1].entry.client == maya


def test_joining_checks_her_choices(therapist):
    clinic = therapist.clinic
    today = local_today(clinic)
    maya = make_ready_client()
    with pytest.raises(services.WaitlistError, match="at least one day"):
        wait_for(maya, clinic, today + dt.timedelta(days=3), weekdays=[])
    with pytest.raises(services.WaitlistError, match="on or after the first"):
        wait_for(maya, clinic, today, starts_on=today + dt.timedelta(days=3), ends_on=today)
    with pytest.raises(services.WaitlistError, match="from today on"):
        wait_for(maya, clinic, today, starts_on=today - dt.timedelta(days=2))
    assert not Entry.objects.exists()


def test_she_joins_from_the_clinic_and_a_bad_range_is_explained_beside_the_field(client, therapist):
    clinic = therapist.clinic
    maya = make_ready_client()
    client.force_login(maya)
    url = reverse("waitlist:join", kwargs={"slug": clinic.slug})
    today = local_today(clinic)
    form = {
        "therapist": therapist.pk,
        "starts_on": (today + dt.timedelta(days=5)).isoformat(),
        "ends_on": today.isoformat(),
        "parts_of_day": ["morning"],
        "weekdays": ["0", "2"],
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "on or after the first" in " ".join(refused.context["form"].errors["ends_on"])

    form["ends_on"] = (today + dt.timedelta(days=20)).isoformat()
    assert client.post(url, form).url == reverse("waitlist:mine")
    entry = Entry.objects.get(client=maya)
    assert (entry.therapist, entry.weekday_numbers, entry.part_names) == (
        therapist,
        [0, 2],
        ["morning"],
    )
    assert "Camden Bump Clinic" in client.get(reverse("waitlist:mine")).content.decode()


def test_an_offer_is_hers_alone_and_the_clinic_sees_only_its_own_waitlist(
    client, therapist, freed, clinic_admin
):
    clinic = therapist.clinic
    maya = make_ready_client(first_name="Maya")
    wait_for(maya, clinic, freed.day)
    freed()
    [offer] = offers_to(maya)

    client.force_login(make_ready_client())
    assert client.get(reverse("waitlist:offer", kwargs={"token": offer.token})).status_code == 404
    assert client.get(reverse("waitlist:offer", kwargs={"token": "nope"})).status_code == 404

    client.force_login(clinic_admin)
    day_url = reverse("waitlist:clinic_day", kwargs={"slug": clinic.slug})
    page = client.get(day_url, {"day": freed.day.isoformat()}).content.decode()
    assert "Maya" in page and "Offered" in page
    other = Clinic.objects.create(name="Elsewhere", slug="elsewhere")
    assert (
        client.get(reverse("waitlist:clinic_day", kwargs={"slug": other.slug})).status_code == 404
    )


def test_her_export_lists_her_entries_and_deleting_her_account_removes_them(therapist):
    clinic = therapist.clinic
    day = next_weekday(clinic, 2)
    maya = make_ready_client()
    wait_for(maya, clinic, day, parts_of_day=["evening"])

    exported = json.loads(export_client_data(client=maya))
    [entry] = exported["waitlist"]
    assert (entry["clinic"], entry["parts_of_day"], entry["status"]) == (
        "Camden Bump Clinic",
        ["evening"],
        "Waiting",
    )
    delete_client_account(client=maya)
    assert not Entry.objects.filter(client=maya).exists()


def test_the_clinic_sets_its_quiet_hours_and_offer_strategy(client, clinic_admin, therapist):
    clinic = therapist.clinic
    client.force_login(clinic_admin)
    url = reverse("clinics:settings", kwargs={"slug": clinic.slug})
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "reminder_hours": "24, 2",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:30",
        "waitlist_offers": "all_at_once",
        "waitlist_hold_minutes": "45",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    clinic.refresh_from_db()
    assert (clinic.quiet_hours_start, clinic.quiet_hours_end) == (dt.time(22), dt.time(7, 30))
    assert (clinic.waitlist_offers, clinic.waitlist_hold_minutes) == ("all_at_once", 45)


def test_a_time_freed_while_the_broker_was_down_is_offered_by_the_next_sweep(
    therapist, freed, monkeypatch, frozen_clock
):
    clinic = therapist.clinic
    now = dt.datetime.combine(local_today(clinic), dt.time(11), tzinfo=clinic.tz)
    frozen_clock(now)
    maya = make_ready_client(email="maya@example.com")
    ana = make_ready_client(email="ana@example.com")
    wait_for(maya, clinic, freed.day)
    wait_for(ana, clinic, freed.day)

    def broker_down(*args, **kwargs):
        raise services.BrokerError("connection refused")

    monkeypatch.setattr(services.current_app, "send_task", broker_down)
    monkeypatch.setattr(services, "enqueue_offers", REAL_ENQUEUE_OFFERS)
    freed()
    assert Offer.objects.count() == 0

    services.pass_on_expired_offers()
    [offer] = Offer.objects.all()
    assert offer.entry.client == maya and offer.slot == freed.slot

    # The next sweeps find the slot held for her: nobody else is offered it meanwhile.
    services.pass_on_expired_offers()
    services.pass_on_expired_offers()
    assert list(Offer.objects.values_list("entry__client", flat=True)) == [maya.pk]

    # Long after the freeing, a sweep no longer looks at it (the slot itself was laid out
    # before the clock was stopped, on the real clock).
    Slot.objects.filter(pk=freed.slot.pk).update(updated_at=now - dt.timedelta(days=1))
    assert freed.slot.pk not in services.recently_freed_slot_ids(
        now=now + services.RECENTLY_FREED + dt.timedelta(minutes=1)
    )
