"""Each role reaches its own pages and is refused on the others'."""

import pytest
from django.urls import reverse

from accounts.backends import RoleAwareBackend
from tests.booking.conftest import make_ready_client
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENT_PAGE = reverse("booking:my_bookings")
THERAPIST_PAGE = reverse("sessions:day")
ADMIN_PAGE = reverse("clinics:dashboard")


@pytest.fixture
def people(clinic):
    admin = UserFactory()
    clinic.admins.add(admin)
    return {
        "client": make_ready_client(),
        "therapist": TherapistFactory(clinic=clinic).user,
        "clinic_admin": admin,
    }


@pytest.mark.parametrize(
    ("role", "own_page", "home"),
    [
        ("client", CLIENT_PAGE, CLIENT_PAGE),
        ("therapist", THERAPIST_PAGE, THERAPIST_PAGE),
        ("clinic_admin", ADMIN_PAGE, ADMIN_PAGE),
    ],
)
def test_each_role_lands_on_and_reaches_its_own_page(client, people, role, own_page, home):
    client.force_login(people[role])

    assert client.get(reverse("accounts:home")).url == home
    assert client.get(own_page).status_code == 200


@pytest.mark.parametrize(
    ("role", "other_page"),
    [
        ("client", THERAPIST_PAGE),
        ("client", ADMIN_PAGE),
        ("therapist", CLIENT_PAGE),
        ("therapist", ADMIN_PAGE),
        ("clinic_admin", CLIENT_PAGE),
        ("clinic_admin", THERAPIST_PAGE),
    ],
)
def test_each_role_is_refused_on_the_others_pages(client, people, role, other_page):
    client.force_login(people[role])

    assert client.get(other_page).status_code == 403


@pytest.mark.parametrize("page", [CLIENT_PAGE, THERAPIST_PAGE, ADMIN_PAGE])
def test_anonymous_visitors_are_sent_to_log_in(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_operator_lands_on_the_django_admin(client, operator):
    client.force_login(operator)

    assert client.get(reverse("accounts:home")).url == reverse("admin:index")


def test_the_user_of_a_request_comes_with_her_role_in_one_query(people, django_assert_num_queries):
    operator = UserFactory(is_superuser=True, is_staff=True)
    expected = {**{user.pk: role for role, user in people.items()}, operator.pk: "operator"}
    backend = RoleAwareBackend()
    for user_id, role in expected.items():
        with django_assert_num_queries(1):
            user = backend.get_user(user_id)
            assert user.role == role
            therapist = getattr(user, "therapist", None)
        assert (therapist is not None) == (role == "therapist")


def test_a_deactivated_user_is_logged_out(people):
    people["client"].is_active = False
    people["client"].save()
    assert RoleAwareBackend().get_user(people["client"].pk) is None


def test_the_written_out_role_query_loads_what_with_role_loads(people):
    from accounts.models import User

    operator = UserFactory(is_superuser=True, is_staff=True, first_name="Olu")
    for user in [*people.values(), operator]:
        fast = User.objects.get_with_role(str(user.pk))
        orm = User.objects.with_role().get(pk=user.pk)
        fields = [f.attname for f in User._meta.concrete_fields]
        assert [getattr(fast, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert fast.administers_a_clinic == orm.administers_a_clinic
        assert fast.role == orm.role
        assert not fast._state.adding and fast._state.db == "default"
        if hasattr(orm, "therapist"):
            assert fast.therapist == orm.therapist
            assert fast.therapist.user is fast
            assert fast.therapist.clinic_id == orm.therapist.clinic_id


@pytest.mark.parametrize("user_id", ["999999999", "not-a-number", None])
def test_an_unknown_or_garbled_user_id_logs_nobody_in(user_id):
    assert RoleAwareBackend().get_user(user_id) is None
