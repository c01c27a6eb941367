"""The reports page: figures checked against a hand-built week, constant queries, CSV = table."""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from booking.models import Booking, Plan, Slot
from frontdesk.reports import clinic_report
from tests.factories import (
    BookingFactory,
    PregnancyProfileFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday; the hand-built week is the one before, Monday 8 to Sunday 14 June.
NOW = dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 6, 8)
REPORT_QUERIES = 4


def at(clinic, day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clinic.tz)


def slot(therapist, day, hour=10, **fields) -> Slot:
    starts_at = at(therapist.clinic, day, hour)
    return Slot.objects.create(
        therapist=therapist,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        **fields,
    )


def session(client, slot_, **fields) -> Booking:
    return BookingFactory(client=client, slot=slot_, **fields)


def mother(first_name: str, *, weeks_pregnant_on_monday: int):
    client = UserFactory(first_name=first_name, last_name="Test")
    due = MONDAY + dt.timedelta(days=280 - 7 * weeks_pregnant_on_monday)
    PregnancyProfileFactory(client=client, due_date=due)
    return client


@pytest.fixture
def week(frozen_clock, clinic):
    """Two therapists' week at the clinic, every outcome once."""
    frozen_clock(NOW)
    rosa = TherapistFactory(clinic=clinic, display_name="Rosa Lind")
    amira = TherapistFactory(clinic=clinic, display_name="Amira Noor")
    maya = mother("Maya", weeks_pregnant_on_monday=30)  # third trimester
    zoe = mother("Zoe", weeks_pregnant_on_monday=20)  # second
    lena = mother("Lena", weeks_pregnant_on_monday=10)  # first
    ines = mother("Ines", weeks_pregnant_on_monday=25)
    una = mother("Una", weeks_pregnant_on_monday=25)
    plan = Plan.objects.create(
        client=maya,
        therapist=rosa,
        weekdays=[0, 2],
        local_time=dt.time(10),
        starts_on=MONDAY,
        ends_on=MONDAY + dt.timedelta(weeks=8),
    )
    # Maya's first session was the week before: she is not new this week.
    session(maya, slot(rosa, MONDAY - dt.timedelta(days=7)), attendance="attended")
    session(maya, slot(rosa, MONDAY), plan=plan, attendance="attended")
    session(zoe, slot(rosa, MONDAY, 11), attendance="no_show")
    session(
        ines,
        slot(rosa, MONDAY + dt.timedelta(days=1)),
        status="cancelled",
        cancelled_by="client",
        attendance="cancelled_late",
    )
    session(maya, slot(rosa, MONDAY + dt.timedelta(days=2)), plan=plan)  # not marked
    slot(rosa, MONDAY + dt.timedelta(days=4), status="blocked")
    session(lena, slot(amira, MONDAY + dt.timedelta(days=3)), attendance="attended")
    session(
        una,
        slot(amira, MONDAY + dt.timedelta(days=4)),
        status="cancelled",
        cancelled_by="client",
    )
    return clinic


def test_figures_match_the_hand_built_week(week):
    report = clinic_report(clinic=week, first=MONDAY, last=MONDAY + dt.timedelta(days=6))

    assert report.table("weekly").rows == [["2026-06-08", "5", "2", "1", "1"]]
    assert report.table("utilisation").rows == [
        ["Amira Noor", "1", "2", "50%"],
        ["Rosa Lind", "3", "4", "75%"],
    ]
    assert report.table("plans").rows == [["Maya Test", "Rosa Lind", "2", "1", "50%"]]
    assert report.table("new_clients").rows == [["2026-06-08", "3"]]
    assert report.table("trimesters").rows == [
        ["First", "1", "25%"],
        ["Second", "1", "25%"],
        ["Third", "2", "50%"],
    ]


def test_weeks_without_sessions_show_zeros(week):
    report = clinic_report(
        clinic=week, first=MONDAY - dt.timedelta(days=14), last=MONDAY + dt.timedelta(days=6)
    )
    assert [row[0] for row in report.table("weekly").rows] == [
        "2026-05-25",
        "2026-06-01",
        "2026-06-08",
    ]
    assert report.table("weekly").rows[0] == ["2026-05-25", "0", "0", "0", "0"]
    assert report.table("new_clients").rows[1] == ["2026-06-01", "1"]


def build_bookings(clinic, count: int) -> None:
    """``count`` past sessions over four therapists and eight weeks, in three inserts."""
    therapists = [TherapistFactory(clinic=clinic) for _ in range(4)]
    clients = [mother(f"C{n}", weeks_pregnant_on_monday=12 + n % 25) for n in range(20)]
    plans = [
        Plan.objects.create(
            client=clients[n],
            therapist=therapists[n % 4],
            weekdays=[0],
            local_time=dt.time(9),
            starts_on=MONDAY - dt.timedelta(weeks=8),
            ends_on=MONDAY + dt.timedelta(weeks=8),
        )
        for n in range(5)
    ]
    slots = Slot.objects.bulk_create(
        Slot(
            therapist=therapists[n % 4],
            starts_at=at(clinic, MONDAY, 8) - dt.timedelta(hours=n + 1),
            ends_at=at(clinic, MONDAY, 9) - dt.timedelta(hours=n + 1),
        )
        for n in range(count)
    )
    outcomes = ["attended", "no_show", "", "attended"]
    Booking.objects.bulk_create(
        Booking(
            client=clients[n % 20],
            slot=slot_,
            plan=plans[n % 5] if n % 3 == 0 else None,
            starts_at=slot_.starts_at,
            ends_at=slot_.ends_at,
            attendance=outcomes[n % 4],
        )
        for n, slot_ in enumerate(slots)
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_report_is_a_fixed_number_of_queries_whatever_the_bookings(
    frozen_clock, clinic, django_assert_num_queries, count
):
    frozen_clock(NOW)
    build_bookings(clinic, count)
    first, last = MONDAY - dt.timedelta(weeks=8), MONDAY + dt.timedelta(days=6)
    with django_assert_num_queries(REPORT_QUERIES):
        report = clinic_report(clinic=clinic, first=first, last=last)
    booked = sum(int(row[1]) for row in report.table("weekly").rows)
    assert booked == count


# Session, user with her role, the clinic with the admin check, then the report's own.
PAGE_QUERIES = 3 + REPORT_QUERIES


@pytest.mark.parametrize("count", [10, 1000])
def test_reports_page_is_a_fixed_number_of_queries(
    frozen_clock, clinic, clinic_admin, client, django_assert_num_queries, count
):
    frozen_clock(NOW)
    build_bookings(clinic, count)
    client.force_login(clinic_admin)
    url = reverse("frontdesk:reports", kwargs={"slug": clinic.slug})
    params = {"start": (MONDAY - dt.timedelta(weeks=8)).isoformat(), "end": MONDAY.isoformat()}
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url, params)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


class TableParser(HTMLParser):
    """The rows of every ``<table id="table-…">`` of a page, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id", "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"].removeprefix("table-"), [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_every_csv_matches_its_table(week, clinic_admin, client):
    client.force_login(clinic_admin)
    url = reverse("frontdesk:reports", kwargs={"slug": week.slug})
    params = {"start": MONDAY.isoformat(), "end": (MONDAY + dt.timedelta(days=6)).isoformat()}
    page = client.get(url, params)
    parser = TableParser()
    parser.feed(page.content.decode())
    assert set(parser.tables) == {"weekly", "utilisation", "plans", "new_clients", "trimesters"}
    for key, rows in parser.tables.items():
        export = client.get(url, {**params, "export": key})
        assert export["Content-Type"].startswith("text/csv")
        assert f"{week.slug}-{key}-" in export["Content-Disposition"]
        assert list(csv.reader(io.StringIO(export.content.decode()))) == rows, key


def test_reports_are_for_the_clinics_admins_only(week, therapist, client, other_admin):
    url = reverse("frontdesk:reports", kwargs={"slug": week.slug})
    for user in (therapist.user, other_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_bad_range_is_explained_beside_the_field_and_kept(week, clinic_admin, client):
    client.force_login(clinic_admin)
    url = reverse("frontdesk:reports", kwargs={"slug": week.slug})
    response = client.get(url, {"start": "2026-06-10", "end": "2026-06-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "on or after the start" in html
    assert 'value="2026-06-01"' in html
    response = client.get(url, {"start": "garbage", "end": "2026-06-01"})
    assert response.status_code == 400
    assert client.get(url, {"export": "nothing"}).status_code == 404


def test_charts_have_a_title_and_bars_scaled_to_the_largest_week(week, clinic_admin, client):
    client.force_login(clinic_admin)
    url = reverse("frontdesk:reports", kwargs={"slug": week.slug})
    html = client.get(
        url, {"start": MONDAY.isoformat(), "end": (MONDAY + dt.timedelta(days=6)).isoformat()}
    ).content.decode()
    assert html.count('role="img"') == 5
    assert re.search(r"<title id=\"chart-weekly-title\">Sessions per week", html)
