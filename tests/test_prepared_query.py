"""``PreparedQuery``: an ORM query compiled once, whose rows come back as the ORM builds them."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from booking import queries
from booking.models import Slot
from clinics.models import Clinic
from common.db import PreparedQuery
from safety.services.findings import answers_if_ready_to_book
from tests.booking.conftest import local_today, make_ready_client, slot_at
from tests.factories import ClinicFactory, IntakeResponseFactory

pytestmark = pytest.mark.django_db


def field_values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_a_slot_comes_with_its_therapist_and_clinic_as_select_related_gives_them(therapist):
    day = local_today(therapist.clinic) + dt.timedelta(days=3)
    slots = [slot_at(therapist, day, dt.time(hour)) for hour in (10, 11)]
    for slot in slots:
        expected = Slot.objects.select_related("therapist__clinic").get(pk=slot.pk)

        with CaptureQueriesContext(connection) as captured:
            found = queries.slot_with_clinic(slot.pk)
            therapist_values = field_values(found.therapist)
            clinic_values = field_values(found.therapist.clinic)

        assert len(captured) == 1
        assert field_values(found) == field_values(expected)
        assert therapist_values == field_values(expected.therapist)
        assert clinic_values == field_values(expected.therapist.clinic)
        assert found.starts_at.tzinfo is not None


def test_each_call_reads_its_own_row_and_a_missing_one_is_a_404():
    camden, brooklyn = ClinicFactory(slug="camden"), ClinicFactory(slug="brooklyn")

    assert queries.clinic_by_slug("camden") == camden
    assert queries.clinic_by_slug("brooklyn") == brooklyn
    assert field_values(queries.clinic_by_slug("brooklyn")) == field_values(
        Clinic.objects.get(pk=brooklyn.pk)
    )
    with pytest.raises(Http404):
        queries.clinic_by_slug("nowhere")
    with pytest.raises(Http404):
        queries.slot_with_clinic(2**63 - 1)


def test_annotations_come_back_on_the_object(clinic):
    mother = make_ready_client()
    IntakeResponseFactory(client=mother, conditions=["sciatica", "hypertension"])

    answers = answers_if_ready_to_book(mother)

    assert answers.profile.client_id == mother.pk
    assert answers.conditions == {"sciatica", "hypertension"}


def test_the_statement_is_prepared_on_the_connection(clinic):
    for _ in range(7):
        queries.clinic_by_slug(clinic.slug)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "clinics_clinic"."id"%'],
        )
        assert sum(generic for (generic,) in cursor.fetchall()) >= 2


def test_stand_ins_the_sql_does_not_take_or_that_are_equal_are_refused():
    unused = PreparedQuery(lambda slug, other: Clinic.objects.filter(slug=slug), slug="x", other=1)
    with pytest.raises(ValueError, match="does not take other"):
        unused.fetch(slug="camden", other=2)

    equal = PreparedQuery(lambda a, b: Slot.objects.filter(pk=a, therapist_id=b), a=-1, b=-1)
    with pytest.raises(ValueError, match="are equal"):
        equal.fetch(a=1, b=2)


def test_only_querysets_of_model_instances_are_taken():
    rows = PreparedQuery(lambda slug: Clinic.objects.filter(slug=slug).values("pk"), slug="x")
    with pytest.raises(ValueError, match="model instances"):
        rows.fetch(slug="camden")


def test_the_query_log_shows_each_run_with_its_values_once_prepared_too(clinic):
    with CaptureQueriesContext(connection) as captured:
        for _ in range(7):
            queries.clinic_by_slug(clinic.slug)

    logged = [query["sql"] for query in captured.captured_queries]
    assert len(logged) == 7
    assert all(f"\"slug\" = '{clinic.slug}'" in sql for sql in logged)
