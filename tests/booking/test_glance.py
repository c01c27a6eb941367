"""The therapist's day at a glance: two or three chips that change her hands, not a badge."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.services import book_session
from booking.services.glance import MAX_CHIPS
from safety import engine
from safety.models import AuditEntry, Clearance
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import IntakeResponseFactory

pytestmark = pytest.mark.django_db


def day_page(client, therapist):
    client.force_login(therapist.user)
    response = client.get(reverse("sessions:day"))
    assert response.status_code == 200
    return response


def booked(therapist, mother, *, days_ahead=2):
    day = local_today(therapist.clinic) + dt.timedelta(days=days_ahead)
    return book_session(client=mother, slot=slot_at(therapist, day))


def labels(response):
    sessions = response.context["today_sessions"] + response.context["week_sessions"]
    return [[chip.label for chip in booking.glance.chips] for booking in sessions]


def test_every_rule_has_a_short_chip_label():
    assert set(engine.CHIP_LABELS) == set(engine.RULES_BY_CODE)
    assert all(len(label) <= 34 for _, label in engine.CHIP_LABELS.values())


def test_day_list_shows_what_changes_her_hands_with_her_own_words(client, therapist):
    mother = make_ready_client(due_date=local_today(therapist.clinic) + dt.timedelta(weeks=14))
    IntakeResponseFactory(
        client=mother, conditions=["sciatica"], notes={"sciatica": "left, worse at night"}
    )
    booked(therapist, mother)

    response = day_page(client, therapist)

    assert labels(response) == [
        ["Sciatica: left, worse at night", "Side-lying", "Legs: light strokes only"]
    ]
    page = response.content.decode()
    assert "Adapt treatment" not in page
    assert "Full instructions" in page
    assert "+1 more" in page  # no firm pressure on the acupressure points, on the review


def test_clearance_chip_says_needed_until_recorded_then_received(client, therapist):
    mother = make_ready_client(conditions=["hypertension"])
    booking = booked(therapist, mother)

    assert labels(day_page(client, therapist))[0][:2] == [
        "Clearance needed",
        "Moderate pressure, no heat",
    ]

    Clearance.objects.create(
        client=mother,
        code="hypertension",
        issued_by="Dr Ana Reyes, obstetrician",
        issued_on=local_today(therapist.clinic),
        recorded_by=therapist.user,
    )
    chips = day_page(client, therapist).context["week_sessions"][0].glance.chips
    assert chips[0].label == "Clearance ✓" and chips[0].tone == "ok"
    assert booking.pk


def test_the_more_specific_leg_rule_replaces_the_general_one(client, therapist):
    mother = make_ready_client(conditions=["dvt_history"])
    booked(therapist, mother)

    chips = labels(day_page(client, therapist))[0]

    assert "Legs: none, hold feet only" in chips
    assert "Legs: light strokes only" not in chips
    assert len(chips) <= MAX_CHIPS


def test_a_long_note_is_cut_short_on_the_chip(client, therapist):
    mother = make_ready_client()
    IntakeResponseFactory(
        client=mother,
        conditions=["varicose_veins"],
        notes={"varicose_veins": "both calves and behind the left knee, worse since week 20"},
    )
    booked(therapist, mother)

    chip = labels(day_page(client, therapist))[0][0]

    assert chip.startswith("Varicose veins: both calves")
    assert chip.endswith("…")
    assert len(chip) <= len("Varicose veins: ") + 40


def test_quoting_her_notes_is_audited_once_per_client_in_one_query(
    client, therapist, django_assert_num_queries
):
    mother = make_ready_client()
    IntakeResponseFactory(
        client=mother, conditions=["sciatica"], notes={"sciatica": "left, worse at night"}
    )
    booked(therapist, mother, days_ahead=2)
    booked(therapist, mother, days_ahead=4)
    quiet = make_ready_client(conditions=["sciatica"])  # no note: nothing of hers quoted
    booked(therapist, quiet, days_ahead=3)
    client.force_login(therapist.user)

    # The page's own queries (see test_query_counts) and one for the audit entries.
    with django_assert_num_queries(8):
        client.get(reverse("sessions:day"))

    entries = AuditEntry.objects.filter(action="viewed_intake")
    assert [(e.client, e.actor, e.clinic) for e in entries] == [
        (mother, therapist.user, therapist.clinic)
    ]
