"""The waitlist: joining it, offering freed times in join order, taking an offer, expiry.

A freed slot (``booking.signals.slots_freed``) is offered once its transaction has
committed, by a task (``offer_freed_slots``), so a cancellation never waits on it and a slot
that the same transaction went on to block is never offered. The clinic chooses how:

- **in turn**: the first fitting entry gets the time held for ``waitlist_hold_minutes``;
  when the hold runs out (``pass_on_expired_offers``, every minute) the next one does;
- **all at once**: every fitting entry is offered it together and the first to book wins.

Either way the booking itself is ``booking.services.book_session``, with every check a
booking has, and the slot's database guard decides between two taps at once; the loser is
told the time was just taken. An entry whose safety rules stop a session on that date is
skipped, with the reason recorded on a ``skipped`` offer for the clinic to see.

Offering costs a fixed number of queries whatever the number of entries: entries, the
offers made so far, the profiles, answers and booked days of those considered, and the
recipients are read in one query each, the safety rules are evaluated in Python, and offers
and messages are written in bulk. Holding in turn considers the first 25 in line who fit
(the next 25 only if all of those are skipped); offering to all considers everyone.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from booking import texts
from booking.models import Booking, Reminder, Slot
from booking.services import book_session
from booking.services.errors import SlotUnavailable
from booking.services.outbox import notify_each
from clinics.models import Clinic, Therapist
from common.errors import DomainError
from safety import services as safety_services
from safety.models import IntakeResponse, PregnancyProfile
from waitlist.models import ALL_PARTS, ALL_WEEKDAYS, PART_BITS, Entry, Offer, part_of_day

logger = logging.getLogger(__name__)

OFFER_TASK = "waitlist.tasks.offer_freed_slots"
# What offering reads of an entry and of her (the outbox needs her address and channels).
ENTRY_FIELDS = ("client", "clinic", "therapist", "starts_on", "ends_on", "weekdays")
ENTRY_FIELDS += ("parts_of_day", "created_at")
# Holding a time for the first in line reads her details for this many in line at a time.
CANDIDATES_PER_READ = 25
RECIPIENT_FIELDS = ("email", "is_active", "message_channels", "first_name", "last_name")
# She can wait for a time up to this far ahead (a clinic's horizon is usually 8 weeks).
MAX_RANGE_DAYS = 183


class WaitlistError(DomainError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class OfferGone(WaitlistError):
    """The offered time cannot be booked from this offer any more."""


# --- Joining and leaving -----------------------------------------------------------------


@transaction.atomic
def join_waitlist(
    *,
    client: User,
    clinic: Clinic,
    therapist: Therapist | None,
    starts_on: dt.date,
    ends_on: dt.date,
    weekdays: Iterable[int] = range(7),
    parts_of_day: Iterable[str] = PART_BITS,
) -> Entry:
    """Put her on the clinic's waitlist; she is served after everyone who joined before."""
    today = clinic.today()
    if starts_on < today:
        raise WaitlistError("Choose a first day from today on.", field="starts_on")
    if ends_on < starts_on:
        raise WaitlistError("The last day must be on or after the first.", field="ends_on")
    if (ends_on - today).days > MAX_RANGE_DAYS:
        raise WaitlistError("Choose a last day within six months.", field="ends_on")
    if therapist is not None and therapist.clinic_id != clinic.pk:
        raise WaitlistError("Choose a therapist of this clinic.", field="therapist")
    weekday_bits = sum(1 << day for day in set(weekdays) if 0 <= day <= 6)
    part_bits = sum(PART_BITS[name] for name in set(parts_of_day) if name in PART_BITS)
    if not weekday_bits:
        raise WaitlistError("Choose at least one day of the week.", field="weekdays")
    if not part_bits:
        raise WaitlistError("Choose at least one part of the day.", field="parts_of_day")
    return Entry.objects.create(
        client=client,
        clinic=clinic,
        therapist=therapist,
        starts_on=starts_on,
        ends_on=ends_on,
        weekdays=weekday_bits & ALL_WEEKDAYS,
        parts_of_day=part_bits & ALL_PARTS,
    )


@transaction.atomic
def leave_waitlist(*, entry: Entry) -> Entry:
    Entry.objects.filter(pk=entry.pk, status=Entry.Status.WAITING).update(
        status=Entry.Status.LEFT, closed_at=timezone.now()
    )
    Offer.objects.filter(entry=entry, status=Offer.Status.OFFERED).update(
        status=Offer.Status.GONE, answered_at=timezone.now()
    )
    entry.refresh_from_db()
    return entry


def close_entries_fitting(booking: Booking) -> int:
    """She booked a time her waiting entries at that clinic fit: they are done."""
    slot = booking.slot
    clinic = slot.therapist.clinic
    local = slot.starts_at.astimezone(clinic.tz)
    fitting = [
        entry.pk
        for entry in Entry.objects.filter(
            client_id=booking.client_id, clinic=clinic, status=Entry.Status.WAITING
        )
        if entry.fits(therapist_id=slot.therapist_id, day=local.date(), start=local.time())
    ]
    if not fitting:
        return 0
    return Entry.objects.filter(pk__in=fitting).update(
        status=Entry.Status.BOOKED, booking=booking, closed_at=timezone.now()
    )


def export_waitlist_entries(*, client: User) -> list[dict]:
    """Her entries, for the export of her data."""
    return [
        {
            "clinic": entry.clinic.name,
            "therapist": entry.therapist.display_name if entry.therapist else "any",
            "from": entry.starts_on,
            "until": entry.ends_on,
            "weekdays": entry.weekday_numbers,
            "parts_of_day": entry.part_names,
            "status": entry.get_status_display(),
            "joined": entry.created_at,
        }
        for entry in Entry.objects.filter(client=client).select_related("clinic", "therapist")
    ]


def erase_waitlist_entries(*, client: User) -> int:
    """Her account is being deleted: her entries and their offers go."""
    deleted, _ = Entry.objects.filter(client=client).delete()
    return deleted


# --- Offering a freed time ---------------------------------------------------------------


def enqueue_offers(slot_ids: list[int]) -> None:
    """Ask a worker to offer these slots (call after the freeing transaction commits)."""
    try:
        current_app.send_task(OFFER_TASK, (sorted(set(slot_ids)),))
    except BrokerError:
        logger.warning("Broker unavailable: %d freed slots not offered", len(slot_ids))


# Offers are asked for through the broker once the freeing change commits; a time freed while
# the broker was down would never be offered. The minutely sweep looks again at what was freed
# this long ago or less: offering is idempotent (a held slot waits for its hold, nobody is
# offered the same slot twice), so looking twice costs a query, not a second offer.
RECENTLY_FREED = dt.timedelta(minutes=15)


def recently_freed_slot_ids(*, now: dt.datetime) -> set[int]:
    """Slots a cancellation or a move freed, or that were laid out or reopened, lately."""
    since = now - RECENTLY_FREED
    left = Booking.objects.filter(
        Q(status=Booking.Status.CANCELLED, cancelled_at__gte=since)
        | Q(status=Booking.Status.MOVED, updated_at__gte=since)
    ).values_list("slot_id", flat=True)
    changed = Slot.objects.filter(
        status=Slot.Status.OPEN, updated_at__gte=since, starts_at__gt=now
    ).values_list("pk", flat=True)
    return {*left, *changed}


def _free_future_slots(slot_ids: Iterable[int], *, now: dt.datetime) -> list[Slot]:
    """The slots still free, and far enough ahead for the clinic's notice to book.

    Locked until the offers are written, so the offer task and the sweep, on the same slot at
    once, take turns rather than both hold it for someone.
    """
    return [
        slot
        for slot in Slot.objects.free()
        .select_for_update(of=("self",))
        .filter(pk__in=list(slot_ids), starts_at__gt=now, therapist__is_active=True)
        .select_related("therapist__clinic")
        .order_by("starts_at")
        if slot.starts_at >= now + dt.timedelta(hours=slot.therapist.clinic.booking_notice_hours)
    ]


def _days_already_booked(client_ids: set[int], slots: list[Slot]) -> set[tuple[int, dt.date]]:
    """(client, clinic-local day) of their booked sessions on the slots' days: one a day."""
    begins = min(slot.starts_at for slot in slots) - dt.timedelta(days=1)
    ends = max(slot.starts_at for slot in slots) + dt.timedelta(days=1)
    tz = slots[0].therapist.clinic.tz
    return {
        (client_id, starts_at.astimezone(tz).date())
        for client_id, starts_at in Booking.objects.filter(
            client_id__in=client_ids,
            status=Booking.Status.BOOKED,
            starts_at__gte=begins,
            starts_at__lt=ends,
        ).values_list("client_id", "starts_at")
    }


def _answers_by_client(client_ids: set[int]) -> dict[int, list[str]]:
    latest: dict[int, list[str]] = {}
    # Newest first: the first one seen for each client is in force.
    for client_id, conditions in (
        IntakeResponse.objects.filter(client_id__in=client_ids)
        .order_by("client_id", "-created_at", "-pk")
        .values_list("client_id", "conditions")
    ):
        latest.setdefault(client_id, conditions)
    return latest


def _reason_not_to_offer(
    *,
    client: User,
    profile: PregnancyProfile | None,
    conditions: list[str],
    clinic: Clinic,
    day: dt.date,
) -> str:
    """Why she cannot book on ``day`` ("" if she can), from already loaded data."""
    if profile is None:
        return "Her pregnancy details are missing."
    try:
        findings = safety_services.findings_for(
            client=client,
            clinic=clinic,
            on=day,
            answers=safety_services.HerAnswers(profile=profile, conditions=frozenset(conditions)),
        )
    except safety_services.SafetyError as error:
        return str(error)
    blocks = [finding for finding in findings if finding.severity == "block"]
    return "Safety rule: " + "; ".join(block.title for block in blocks) if blocks else ""


def _offer_link(offer: Offer) -> str:
    return settings.SITE_URL + reverse("waitlist:offer", kwargs={"token": offer.token})


class _WhatWeKnowOfHer:
    """Profiles, answers and booked days of the clients considered for the slots, read a
    chunk of clients at a time: holding a time for the first in line needs only the first
    few who fit, not all 500 waiting."""

    def __init__(self, slots: list[Slot]):
        self.slots = slots
        self.read: set[int] = set()
        self.profiles: dict[int, PregnancyProfile] = {}
        self.answers: dict[int, list[str]] = {}
        self.booked_days: set[tuple[int, dt.date]] = set()

    def read_for(self, client_ids: Iterable[int]) -> None:
        missing = set(client_ids) - self.read
        if not missing:
            return
        self.profiles |= {
            profile.client_id: profile
            for profile in PregnancyProfile.objects.filter(client_id__in=missing).only(
                "client_id", "due_date", "birth_date", "delivery"
            )
        }
        self.answers |= _answers_by_client(missing)
        self.booked_days |= _days_already_booked(missing, self.slots)
        self.read |= missing


def _waiting_entries(slots: list[Slot]) -> list[Entry]:
    """The waiting entries that may fit any of ``slots``, in join order.

    The database narrows by the slots' clinics, dates, weekdays, parts of the day and
    therapists; ``Entry.fits`` decides for each slot exactly.
    """
    days = [slot.therapist.clinic.local_date(slot.starts_at) for slot in slots]
    weekday_bits = part_bits = 0
    for slot in slots:
        local = slot.starts_at.astimezone(slot.therapist.clinic.tz)
        weekday_bits |= 1 << local.weekday()
        part_bits |= PART_BITS[part_of_day(local.time())]
    return list(
        Entry.objects.annotate(
            on_weekday=F("weekdays").bitand(weekday_bits),
            at_part=F("parts_of_day").bitand(part_bits),
        )
        .filter(
            Q(therapist__isnull=True) | Q(therapist_id__in={slot.therapist_id for slot in slots}),
            status=Entry.Status.WAITING,
            clinic_id__in={slot.therapist.clinic_id for slot in slots},
            starts_on__lte=max(days),
            ends_on__gte=min(days),
            on_weekday__gt=0,
            at_part__gt=0,
        )
        .only(*ENTRY_FIELDS)
        .order_by("created_at", "pk")
    )


def _fitting(slot: Slot, entries: list[Entry], offered_before: set[int]) -> list[Entry]:
    local = slot.starts_at.astimezone(slot.therapist.clinic.tz)
    return [
        entry
        for entry in entries
        if entry.pk not in offered_before
        and entry.fits(therapist_id=slot.therapist_id, day=local.date(), start=local.time())
    ]


def _in_turn(slot: Slot) -> bool:
    return slot.therapist.clinic.waitlist_offers == Clinic.WaitlistOffers.IN_TURN


@transaction.atomic
def offer_freed_slots(*, slot_ids: Iterable[int]) -> list[Offer]:
    """Offer each free slot to the entries it fits, in join order, per the clinic's way.

    A slot already held for someone (an open offer) waits for that hold; an entry is never
    offered the same slot twice. Returns the offers made (skipped ones included).
    """
    now = timezone.now()
    slots = _free_future_slots(slot_ids, now=now)
    entries = _waiting_entries(slots) if slots else []
    if not entries:
        return []
    offered_before: dict[int, set[int]] = defaultdict(set)
    held: set[int] = set()
    for slot_id, entry_id, status in Offer.objects.filter(slot__in=slots).values_list(
        "slot_id", "entry_id", "status"
    ):
        offered_before[slot_id].add(entry_id)
        if status == Offer.Status.OFFERED:
            held.add(slot_id)
    fitting = {
        slot.pk: _fitting(slot, entries, offered_before[slot.pk])
        for slot in slots
        if slot.pk not in held
    }
    known = _WhatWeKnowOfHer(slots)
    known.read_for(
        entry.client_id
        for slot in slots
        for entry in fitting.get(slot.pk, [])[: CANDIDATES_PER_READ if _in_turn(slot) else None]
    )
    offers: list[Offer] = []
    for slot in slots:
        if slot.pk in fitting:
            offers += _offers_for_slot(slot=slot, entries=fitting[slot.pk], known=known, now=now)
    Offer.objects.bulk_create(offers)
    _send_offers([offer for offer in offers if offer.status == Offer.Status.OFFERED])
    return offers


def _offers_for_slot(*, slot, entries, known: _WhatWeKnowOfHer, now) -> list[Offer]:
    clinic = slot.therapist.clinic
    day = clinic.local_date(slot.starts_at)
    in_turn = _in_turn(slot)
    # The hold counts from when she can be texted, not from the middle of the night.
    hold_until = (clinic.quiet_until(now) or now) + dt.timedelta(
        minutes=clinic.waitlist_hold_minutes
    )
    offers = []
    considered = set()
    for position, entry in enumerate(entries):
        if entry.client_id in considered:
            continue
        considered.add(entry.client_id)
        if entry.client_id not in known.read:
            # Everyone read so far was skipped: read the next few in line.
            known.read_for(e.client_id for e in entries[position : position + CANDIDATES_PER_READ])
        # One massage a day: she is not offered a time on a day she already has one.
        if (entry.client_id, day) in known.booked_days:
            continue
        reason = _reason_not_to_offer(
            client=User(pk=entry.client_id),
            profile=known.profiles.get(entry.client_id),
            conditions=known.answers.get(entry.client_id, []),
            clinic=clinic,
            day=day,
        )
        if reason:
            offers.append(
                Offer(entry=entry, slot=slot, status=Offer.Status.SKIPPED, reason=reason[:300])
            )
            continue
        offers.append(Offer(entry=entry, slot=slot, expires_at=hold_until if in_turn else None))
        if in_turn:
            break
    return offers


def _send_offers(offers: list[Offer]) -> None:
    if not offers:
        return
    recipients = User.objects.only(*RECIPIENT_FIELDS).in_bulk(
        {offer.entry.client_id for offer in offers}
    )
    for offer in offers:
        offer.entry.client = recipients[offer.entry.client_id]
    notify_each(
        kind=Reminder.Notice.WAITLIST_OFFER,
        messages=[
            (
                offer.entry.client,
                {
                    "offer_id": offer.pk,
                    "clinic_id": offer.slot.therapist.clinic_id,
                    "link": _offer_link(offer),
                    "text": texts.offer_text_context(
                        starts_at=offer.slot.starts_at, clinic=offer.slot.therapist.clinic
                    ),
                },
            )
            for offer in offers
        ],
    )


@transaction.atomic
def pass_on_expired_offers() -> int:
    """Every minute: holds that ran out pass to the next in line; ended ranges expire; times
    freed lately that nobody was offered (the broker was down) are offered now."""
    now = timezone.now()
    expired = list(
        Offer.objects.select_for_update(skip_locked=True)
        .filter(status=Offer.Status.OFFERED, expires_at__lt=now)
        .values_list("pk", "slot_id")
    )
    if expired:
        Offer.objects.filter(pk__in=[pk for pk, _ in expired]).update(
            status=Offer.Status.EXPIRED, answered_at=now
        )
        offer_freed_slots(slot_ids={slot_id for _, slot_id in expired})
    expire_ended_entries(now=now)
    # Times freed while the broker could not take the offer task.
    offer_freed_slots(slot_ids=recently_freed_slot_ids(now=now))
    return len(expired)


def expire_ended_entries(*, now: dt.datetime) -> int:
    """Entries whose last day has passed at their clinic end."""
    ended = 0
    for clinic in Clinic.objects.filter(
        waitlist_entries__status=Entry.Status.WAITING,
        # A day of slack: clinics east of UTC are a day ahead.
        waitlist_entries__ends_on__lt=now.date() + dt.timedelta(days=1),
    ).distinct():
        ended += Entry.objects.filter(
            clinic=clinic, status=Entry.Status.WAITING, ends_on__lt=clinic.today()
        ).update(status=Entry.Status.EXPIRED, closed_at=now)
    return ended


# --- Taking an offer ---------------------------------------------------------------------


def offer_for(*, token: str, client: User) -> Offer:
    """Her offer by its link's token; another client's or an unknown one is not found."""
    return Offer.objects.select_related("slot__therapist__clinic", "entry").get(
        token=token, entry__client=client
    )


def offer_still_open(offer: Offer, *, now: dt.datetime) -> bool:
    return offer.status == Offer.Status.OFFERED and (
        offer.expires_at is None or now < offer.expires_at
    )


@transaction.atomic
def take_offer(*, token: str, client: User) -> Booking:
    """Book the offered time for her: the normal booking with its safety check.

    Raises ``OfferGone`` when her hold ran out or someone else booked it first ("just
    taken"), and the booking's own errors (a safety block, a clash with her own sessions).
    """
    slot_id = (
        Offer.objects.filter(token=token, entry__client=client)
        .values_list("slot_id", flat=True)
        .get()
    )
    # The slot first, as booking locks it: two taps queue there, and the second then finds
    # its offer already marked gone instead of deadlocking on the offers.
    Slot.objects.select_for_update().filter(pk=slot_id).first()
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("slot__therapist__clinic", "entry")
        .get(token=token, entry__client=client)
    )
    if offer.status == Offer.Status.TAKEN and offer.entry.booking_id:
        return offer.entry.booking
    now = timezone.now()
    if not offer_still_open(offer, now=now):
        raise OfferGone(
            "This time is no longer held for you: it has gone to the next person waiting."
            if offer.status == Offer.Status.EXPIRED
            or (offer.expires_at and now >= offer.expires_at)
            else "Sorry, that time was just taken."
        )
    try:
        with transaction.atomic():
            booking = book_session(client=client, slot=offer.slot)
    except SlotUnavailable:
        Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.GONE, answered_at=now)
        raise OfferGone("Sorry, that time was just taken.") from None
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.TAKEN, answered_at=now)
    Entry.objects.filter(pk=offer.entry_id).update(
        status=Entry.Status.BOOKED, booking=booking, closed_at=now
    )
    # Everyone else offered this time hears "just taken" if they tap.
    Offer.objects.filter(slot=offer.slot, status=Offer.Status.OFFERED).exclude(pk=offer.pk).update(
        status=Offer.Status.GONE, answered_at=now
    )
    return booking


# --- The clinic's view -------------------------------------------------------------------


def waiting_on(*, clinic: Clinic, day: dt.date) -> list[Entry]:
    """The entries waiting for a time on ``day`` at the clinic, in the order they are served,
    each with the offers made for that day's slots (skipped ones with their reason)."""
    weekday_bit = 1 << day.weekday()
    entries = list(
        Entry.objects.filter(
            clinic=clinic, status=Entry.Status.WAITING, starts_on__lte=day, ends_on__gte=day
        )
        .select_related("client", "therapist")
        .order_by("created_at", "pk")
    )
    entries = [entry for entry in entries if entry.weekdays & weekday_bit]
    begins, ends = clinic.day_bounds(day)
    offers = defaultdict(list)
    for offer in Offer.objects.filter(
        Q(entry__in=entries), slot__starts_at__gte=begins, slot__starts_at__lt=ends
    ).select_related("slot__therapist"):
        offers[offer.entry_id].append(offer)
    for entry in entries:
        entry.day_offers = offers[entry.pk]
    return entries
