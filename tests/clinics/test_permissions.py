"""Every dashboard view admits its own clinic's admin only; others get 404, 403 or login."""

import pytest
from django.urls import reverse

from tests.factories import (
    ClinicFactory,
    SlotFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(clinic, therapist):
    hours = WorkingHoursFactory(therapist=therapist)
    time_off = therapist.time_off.create(starts_on="2030-01-07", ends_on="2030-01-08")
    slot = SlotFactory(therapist=therapist)
    return {"therapist": therapist, "hours": hours, "time_off": time_off, "slot": slot}


def clinic_urls(clinic, objects) -> dict[str, str]:
    slug = clinic.slug
    therapist_id = objects["therapist"].pk
    return {
        "clinic_home": reverse("clinics:clinic_home", args=[slug]),
        "settings": reverse("clinics:settings", args=[slug]),
        "therapists": reverse("clinics:therapists", args=[slug]),
        "therapist_invite": reverse("clinics:therapist_invite", args=[slug]),
        "therapist_edit": reverse("clinics:therapist_edit", args=[slug, therapist_id]),
        "week": reverse("schedule:week", args=[slug]),
        "generate": reverse("schedule:generate", args=[slug]),
        "range": reverse("schedule:range", args=[slug]),
        "slot": reverse("schedule:slot", args=[slug, objects["slot"].pk]),
        "hours": reverse("schedule:hours", args=[slug, therapist_id]),
        "time_off": reverse("schedule:time_off", args=[slug, therapist_id]),
        "availability": reverse("schedule:availability", args=[slug, therapist_id]),
    }


def post_only_urls(clinic, objects) -> dict[str, str]:
    slug = clinic.slug
    therapist_id = objects["therapist"].pk
    return {
        "hours_delete": reverse(
            "schedule:hours_delete", args=[slug, therapist_id, objects["hours"].pk]
        ),
        "time_off_delete": reverse(
            "schedule:time_off_delete", args=[slug, therapist_id, objects["time_off"].pk]
        ),
    }


VIEWS = [
    "clinic_home",
    "settings",
    "therapists",
    "therapist_invite",
    "therapist_edit",
    "week",
    "generate",
    "range",
    "slot",
    "hours",
    "time_off",
    "availability",
]
POST_ONLY = ["hours_delete", "time_off_delete"]


@pytest.fixture
def other_admin(db):
    user = UserFactory()
    ClinicFactory(name="Brooklyn Prenatal Studio", time_zone="America/New_York", admin=user)
    return user


@pytest.mark.parametrize("view", VIEWS)
def test_own_clinic_admin_sees_each_page(client, clinic, clinic_admin, objects, view):
    client.force_login(clinic_admin)

    response = client.get(clinic_urls(clinic, objects)[view])

    assert response.status_code == 200


@pytest.mark.parametrize("view", POST_ONLY)
def test_own_clinic_admin_may_remove_hours_and_time_off(
    client, clinic, clinic_admin, objects, view
):
    client.force_login(clinic_admin)

    response = client.post(post_only_urls(clinic, objects)[view])

    assert response.status_code == 302


@pytest.mark.parametrize("view", VIEWS + POST_ONLY)
def test_another_clinics_admin_gets_404(client, clinic, objects, other_admin, view):
    client.force_login(other_admin)
    urls = clinic_urls(clinic, objects) | post_only_urls(clinic, objects)

    get = client.get(urls[view])
    post = client.post(urls[view], {"reason": "Mine now", "action": "block"})

    assert get.status_code == (405 if view in POST_ONLY else 404)
    # Read-only pages answer a POST with 405 before looking anything up.
    assert post.status_code in (404, 405)


@pytest.mark.parametrize("role", ["therapist", "client"])
@pytest.mark.parametrize("view", VIEWS + POST_ONLY)
def test_therapists_and_clients_are_refused(client, clinic, objects, client_user, view, role):
    client.force_login(objects["therapist"].user if role == "therapist" else client_user)
    urls = clinic_urls(clinic, objects) | post_only_urls(clinic, objects)

    assert client.get(urls[view]).status_code == 403
    assert client.post(urls[view], {"reason": "x", "action": "block"}).status_code == 403


@pytest.mark.parametrize("view", VIEWS + POST_ONLY)
def test_anonymous_visitors_are_sent_to_log_in(client, clinic, objects, view):
    urls = clinic_urls(clinic, objects) | post_only_urls(clinic, objects)

    response = client.get(urls[view])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_another_clinics_objects_under_her_own_clinic_give_404(
    client, clinic, clinic_admin, other_admin
):
    elsewhere = other_admin.administered_clinics.get()
    stranger = TherapistFactory(clinic=elsewhere)
    hours = WorkingHoursFactory(therapist=stranger)
    slot = SlotFactory(therapist=stranger)
    client.force_login(clinic_admin)
    own = clinic.slug

    for url in [
        reverse("clinics:therapist_edit", args=[own, stranger.pk]),
        reverse("schedule:slot", args=[own, slot.pk]),
        reverse("schedule:hours", args=[own, stranger.pk]),
        reverse("schedule:time_off", args=[own, stranger.pk]),
        reverse("schedule:availability", args=[own, stranger.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("schedule:slot", args=[own, slot.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("schedule:hours_delete", args=[own, stranger.pk, hours.pk])).status_code
        == 404
    )
    assert hours.__class__.objects.filter(pk=hours.pk).exists()
    day = slot.starts_at.date()
    refused = client.post(
        reverse("schedule:range", args=[own]),
        {"therapist": stranger.pk, "starts_on": day, "ends_on": day, "reason": "x"},
    )
    assert "therapist" in refused.context["form"].errors
    slot.refresh_from_db()
    assert slot.status == "open"


class TestDashboardLanding:
    def test_admin_of_one_clinic_sees_its_overview_straight_away(
        self, client, clinic, clinic_admin
    ):
        client.force_login(clinic_admin)

        response = client.get(reverse("clinics:dashboard"))

        assert response.status_code == 200
        assert response.context["clinic"] == clinic
        assert "This week's schedule" in response.content.decode()

    def test_admin_of_two_clinics_sees_only_hers(self, client, clinic, clinic_admin, other_admin):
        second = ClinicFactory(name="Hackney Bump Clinic", admin=clinic_admin)
        client.force_login(clinic_admin)

        response = client.get(reverse("clinics:dashboard"))

        assert response.status_code == 200
        names = [c.name for c in response.context["clinics"]]
        assert names == [clinic.name, second.name]

    @pytest.mark.parametrize("role", ["therapist", "client"])
    def test_therapists_and_clients_are_refused(self, client, therapist, client_user, role):
        client.force_login(therapist.user if role == "therapist" else client_user)

        assert client.get(reverse("clinics:dashboard")).status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client, db):
        response = client.get(reverse("clinics:dashboard"))

        assert response["Location"].startswith(reverse("accounts:login"))


class TestTherapistsOwnWeek:
    def test_therapist_sees_only_her_own_slots(self, client, clinic, therapist):
        mine = SlotFactory(therapist=therapist)
        colleague = SlotFactory(therapist=TherapistFactory(clinic=clinic))
        client.force_login(therapist.user)

        response = client.get(reverse("schedule:my_week"), {"week": mine.starts_at.date()})

        assert response.status_code == 200
        cells = [
            c.slot for w in response.context["grid"].therapists for d in w.days for c in d.cells
        ]
        assert mine in cells
        assert colleague not in cells

    @pytest.mark.parametrize("role", ["admin", "client"])
    def test_admins_and_clients_are_refused(self, client, clinic_admin, client_user, role):
        client.force_login(clinic_admin if role == "admin" else client_user)

        assert client.get(reverse("schedule:my_week")).status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client, db):
        response = client.get(reverse("schedule:my_week"))

        assert response["Location"].startswith(reverse("accounts:login"))
