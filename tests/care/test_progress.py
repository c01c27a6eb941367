"""Her progress: the chart's numbers are the stored check-ins and notes, the pages cost a fixed
number of queries, and the therapist's session page shows her last three sessions."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care import queries
from tests.care.conftest import NOW, checkin_row, make_plan, note_row, session_at

pytestmark = pytest.mark.django_db

FIRST = NOW - dt.timedelta(weeks=4) + dt.timedelta(hours=1)  # 10:00 London, four weeks ago


@pytest.fixture
def plan_with_history(mother, therapist):
    """Six weekly sessions: four past (three checked in, two with notes), two to come."""
    plan, bookings = make_plan(client=mother, therapist=therapist, count=6, first=FIRST)
    for booking, pain in zip(bookings[:3], (8, 7, 6), strict=True):
        checkin_row(booking, pain=pain)
    note_row(bookings[0], pain_after=5, by=therapist.user)
    note_row(bookings[1], pain_after=4, by=therapist.user)
    note_row(bookings[1], pain_after=3, by=therapist.user, version=2)
    return plan, bookings


def table_rows(page: str) -> list[list[str]]:
    table = page[page.index('class="table table-sm') : page.index("</table>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S)
    return [[day.strip()] + re.findall(r"<td>(.*?)</td>", cells) for day, cells in rows]


def test_the_chart_shows_the_stored_pain_before_and_after_with_her_week(client, plan_with_history):
    plan, bookings = plan_with_history
    client.force_login(plan.client)
    page = client.get(reverse("booking:plan_detail", args=[plan.pk])).content.decode()

    assert re.findall(r'data-pain-before="(\d+)"', page) == ["8", "7", "6"]
    # The amendment's score is the one that counts.
    assert re.findall(r'data-pain-after="(\d+)"', page) == ["5", "3"]
    rows = table_rows(page)
    assert [row[1:] for row in rows] == [
        ["16w0d", "8", "5"],
        ["17w0d", "7", "3"],
        ["18w0d", "6", "no note yet"],
        ["19w0d", "not checked in", "no note yet"],
        ["20w0d", "not checked in", "no note yet"],
        ["21w0d", "not checked in", "no note yet"],
    ]
    weeks = re.findall(r'class="week">(.*?)</text>', page)
    assert weeks == ["16w", "17w", "18w", "19w", "20w", "21w"]


def test_the_dates_under_the_chart_never_run_into_each_other(client, plan_with_history):
    plan, bookings = plan_with_history
    client.force_login(plan.client)
    page = client.get(reverse("booking:plan_detail", args=[plan.pk])).content.decode()

    dates = re.findall(r'<text x="(\d+)"[^>]*class="date">(.*?)</text>', page)
    assert [label for _, label in dates] == [
        f"{booking.slot.starts_at.day}/{booking.slot.starts_at.month}" for booking in bookings[::2]
    ]
    positions = [int(x) for x, _ in dates]
    # A "16/12" label is about 33 px wide at the chart's 12 px type.
    assert min(b - a for a, b in zip(positions, positions[1:], strict=False)) >= 40


def test_her_plan_page_costs_the_same_queries_for_2_or_12_sessions(client, mother, therapist):
    def measure(count: int, first: dt.datetime) -> int:
        plan, bookings = make_plan(client=mother, therapist=therapist, count=count, first=first)
        for booking in bookings:
            if booking.starts_at < NOW:
                checkin_row(booking, pain=6)
                note_row(booking, pain_after=3, by=therapist.user)
        client.force_login(mother)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("booking:plan_detail", args=[plan.pk]))
        assert response.status_code == 200
        return len(captured)

    # She is 20 weeks pregnant today: both plans fall inside the pregnancy, one after the other.
    small = measure(2, NOW - dt.timedelta(weeks=19) + dt.timedelta(hours=1))
    large = measure(12, NOW - dt.timedelta(weeks=17) + dt.timedelta(hours=1))
    assert small == large


def test_her_plan_page_query_count_is_exact(client, plan_with_history, django_assert_num_queries):
    plan, _ = plan_with_history
    client.force_login(plan.client)
    client.get(reverse("booking:plan_detail", args=[plan.pk]))
    # Session, user, her role (2), plan, bookings, flags, clearances, the plan's planned
    # sessions; the chart: sessions with their check-ins and due date, then the notes.
    with django_assert_num_queries(9):
        client.get(reverse("booking:plan_detail", args=[plan.pk]))


def test_the_therapists_view_of_her_only_counts_sessions_at_this_clinic(
    client, plan_with_history, therapist
):
    from tests.factories import ClinicFactory, TherapistFactory

    plan, bookings = plan_with_history
    elsewhere = TherapistFactory(clinic=ClinicFactory(name="Brooklyn"))
    other = session_at(
        client=plan.client, therapist=elsewhere, starts_at=FIRST + dt.timedelta(days=2)
    )
    checkin_row(other, pain=9)

    points = queries.clinic_progress(client=plan.client, clinic=therapist.clinic)
    assert [p.booking.pk for p in points] == [b.pk for b in bookings]
    client.force_login(therapist.user)
    page = client.get(reverse("care:client_progress", args=[bookings[0].pk])).content.decode()
    assert re.findall(r'data-pain-before="(\d+)"', page) == ["8", "7", "6"]
    assert 'data-pain-before="9"' not in page


def test_therapist_session_page_shows_the_last_three_sessions_at_a_glance(
    client, plan_with_history, therapist
):
    plan, bookings = plan_with_history
    client.force_login(therapist.user)
    page = client.get(reverse("sessions:review", args=[bookings[4].pk])).content.decode()
    section = page[page.index("Her last three sessions") : page.index("Check-in, hold and")]
    # Newest first: sessions 4, 3 and 2 of the plan (the first is four back).
    assert section.count("<li") == 3
    assert "pain 6 → –" in section
    assert "pain 7 → 3" in section
    assert "pain 8 → 5" not in section
    assert "Moderate lengthening strokes" in section


def test_therapist_pages_cost_the_same_queries_with_a_long_history(client, mother, therapist):
    def measure(count: int, first: dt.datetime) -> tuple[int, int, int]:
        _, bookings = make_plan(client=mother, therapist=therapist, count=count, first=first)
        for booking in bookings[:-1]:
            checkin_row(booking, pain=6)
            note_row(booking, pain_after=3, by=therapist.user)
        last = bookings[-1]
        client.force_login(therapist.user)
        counts = []
        for name in ("sessions:review", "care:session", "care:client_progress"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name, args=[last.pk])).status_code == 200
            counts.append(len(captured))
        return tuple(counts)

    first = measure(2, NOW - dt.timedelta(weeks=19) + dt.timedelta(hours=1))
    later = measure(10, NOW - dt.timedelta(weeks=16) + dt.timedelta(hours=1))
    assert first == later


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The review's own eleven (her doctors' letters among them), then the summary: hold,
        # check-in, her recent sessions, notes.
        ("sessions:review", 13),
        # Session, user, role (2), the session, audit, hold, check-in, this session's notes,
        # her recent sessions and their notes.
        ("care:session", 9),
        # Session, user, role (2), the session, clinic staff check, audit, sessions, notes.
        ("care:client_progress", 7),
    ],
)
def test_therapist_page_query_counts_are_exact(
    client, plan_with_history, therapist, django_assert_num_queries, name, expected
):
    _, bookings = plan_with_history
    client.force_login(therapist.user)
    url = reverse(name, args=[bookings[4].pk])
    client.get(url)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
