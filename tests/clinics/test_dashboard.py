"""Clinic admins manage therapists and settings; the operator's Django admin; public profiles."""

import pytest
from django.urls import reverse

from clinics.models import Clinic, Therapist
from clinics.services import invite_therapist
from tests.factories import TimeOffFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


class TestInvitingTherapists:
    def test_invitation_creates_her_account_and_therapist_and_emails_her(
        self, admin_client, clinic, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("clinics:therapist_invite", args=[clinic.slug]),
                {
                    "email": "Nora.Price@Example.com",
                    "first_name": "Nora",
                    "last_name": "Price",
                    "certification_name": "Prenatal Massage Diploma",
                    "certification_year": 2021,
                },
            )

        therapist = Therapist.objects.get(user__email="nora.price@example.com")
        assert response["Location"] == reverse(
            "clinics:therapist_edit", args=[clinic.slug, therapist.pk]
        )
        assert (therapist.clinic, therapist.display_name, therapist.slug) == (
            clinic,
            "Nora Price",
            "nora-price",
        )
        assert therapist.user.role == "therapist"
        assert [m.to for m in mailoutbox] == [["nora.price@example.com"]]
        assert clinic.name in mailoutbox[0].subject

    def test_someone_already_a_therapist_is_refused_by_the_email_field(
        self, admin_client, clinic, therapist, mailoutbox
    ):
        response = admin_client.post(
            reverse("clinics:therapist_invite", args=[clinic.slug]),
            {"email": therapist.user.email, "first_name": "Rosa", "last_name": "Lind"},
        )

        assert response.status_code == 200
        # Already hers: the message says so (a double-clicked invitation lands here too).
        assert response.context["form"].errors["email"] == [
            "Rosa Lind is already a therapist here: her invitation was sent when she was added."
        ]
        assert Therapist.objects.count() == 1
        assert mailoutbox == []

    def test_a_second_therapist_with_the_same_name_gets_her_own_slug(self, clinic, clinic_admin):
        first = invite_therapist(
            clinic=clinic,
            email="a@example.com",
            first_name="Ann",
            last_name="Lee",
            invited_by=clinic_admin,
        )
        second = invite_therapist(
            clinic=clinic,
            email="b@example.com",
            first_name="Ann",
            last_name="Lee",
            invited_by=clinic_admin,
        )

        assert (first.slug, second.slug) == ("ann-lee", "ann-lee-2")


class TestTherapistProfile:
    def test_edit_page_lists_hours_and_time_off(self, admin_client, clinic, therapist):
        WorkingHoursFactory(therapist=therapist, weekday=1)
        TimeOffFactory(therapist=therapist, reason="Holiday")

        response = admin_client.get(
            reverse("clinics:therapist_edit", args=[clinic.slug, therapist.pk])
        )

        html = response.content.decode()
        assert "Tuesday 09:00–13:00" in html
        assert "(Holiday)" in html

    def test_saving_her_profile(self, admin_client, clinic, therapist):
        url = reverse("clinics:therapist_edit", args=[clinic.slug, therapist.pk])

        response = admin_client.post(
            url,
            {
                "display_name": "Rosa M. Lind",
                "bio": "Sciatica and pelvic pain.",
                "certification_name": "CPMT",
                "certification_year": 2015,
            },
        )

        assert response.status_code == 302
        therapist.refresh_from_db()
        assert (therapist.display_name, therapist.certification_year) == ("Rosa M. Lind", 2015)

    def test_public_profile_shows_active_therapists_with_hours_only(
        self, client, clinic, therapist
    ):
        url = reverse("booking:therapist", args=[clinic.slug, therapist.slug])
        assert client.get(url).status_code == 404  # just invited: no hours, nothing to offer
        WorkingHoursFactory(therapist=therapist)

        assert therapist.certification_name in client.get(url).content.decode()
        therapist.is_active = False
        therapist.save()
        assert client.get(url).status_code == 404


class TestSettings:
    def url(self, clinic):
        return reverse("clinics:settings", args=[clinic.slug])

    def data(self, clinic, **changes):
        return {
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "email": clinic.email,
            "emergency_number": clinic.emergency_number,
            "session_minutes": 60,
            "turnover_minutes": 15,
            "cancellation_notice_hours": 24,
            "booking_horizon_weeks": 8,
            "reminder_hours": "24, 2",
            **changes,
        }

    def test_saving_policies_and_raising_a_safety_rule(self, admin_client, clinic):
        response = admin_client.post(
            self.url(clinic),
            self.data(
                clinic,
                session_minutes=50,
                turnover_minutes=10,
                reminder_hours="2, 48",
                raise_first_trimester="block",
                raise_sciatica="info",
            ),
        )

        assert response.status_code == 302
        clinic.refresh_from_db()
        assert (clinic.session_minutes, clinic.turnover_minutes) == (50, 10)
        assert clinic.reminder_hours == [48, 2]
        # Only real raises are stored; "info" is the sciatica rule's own severity.
        assert clinic.raised_severities == {"first_trimester": "block"}

    def test_the_emergency_number_is_edited_as_digits(self, admin_client, clinic):
        response = admin_client.post(self.url(clinic), self.data(clinic, emergency_number=" 1 12 "))

        assert response.status_code == 302
        clinic.refresh_from_db()
        assert clinic.emergency_number == "112"

    def test_a_bad_emergency_number_is_explained_beside_it_and_kept(self, admin_client, clinic):
        response = admin_client.post(
            self.url(clinic), self.data(clinic, emergency_number="call 999")
        )

        assert response.status_code == 200
        assert response.context["form"].errors["emergency_number"] == [
            "Please enter the local emergency number as digits only, e.g. 999, 911 or 112."
        ]
        assert 'value="call 999"' in response.content.decode()
        clinic.refresh_from_db()
        assert clinic.emergency_number == "999"

    def test_a_rule_cannot_be_lowered_below_its_default(self, admin_client, clinic):
        response = admin_client.post(
            self.url(clinic), self.data(clinic, raise_clotting_history="adapt")
        )

        assert response.status_code == 200
        assert "raise_clotting_history" in response.context["form"].errors
        clinic.refresh_from_db()
        assert clinic.raised_severities == {}

    def test_rules_already_at_block_are_not_offered(self, admin_client, clinic):
        form = admin_client.get(self.url(clinic)).context["form"]

        assert "raise_post_term" not in form.fields
        assert [c for c, _ in form.fields["raise_clotting_history"].choices] == [
            "clearance",
            "block",
        ]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("reminder_hours", "tomorrow"),
            ("reminder_hours", "0"),
            ("reminder_hours", "1, 2, 3, 4, 5"),
            ("session_minutes", 10),
            ("booking_horizon_weeks", 0),
        ],
    )
    def test_bad_values_are_shown_by_their_field(self, admin_client, clinic, field, value):
        response = admin_client.post(self.url(clinic), self.data(clinic, **{field: value}))

        assert response.status_code == 200
        assert field in response.context["form"].errors
        clinic.refresh_from_db()
        assert clinic.session_minutes == 60

    def test_the_rule_set_refuses_lowered_or_unknown_severities(self, clinic):
        from django.core.exceptions import ValidationError

        from safety.policies import validate_raised_severities

        with pytest.raises(ValidationError, match="never lower"):
            validate_raised_severities({"post_term": "adapt"})
        with pytest.raises(ValidationError, match="not a safety rule"):
            validate_raised_severities({"no_such_rule": "block"})
        validate_raised_severities({"first_trimester": "block"})
        # The model itself checks the shape: a map of words.
        clinic.raised_severities = ["block"]
        with pytest.raises(ValidationError):
            clinic.full_clean()


class TestDjangoAdmin:
    @pytest.mark.parametrize(
        ("model", "search"),
        [
            ("clinic", "Camden"),
            ("therapist", "Rosa"),
            ("workinghours", "Rosa"),
            ("timeoff", "Rosa"),
        ],
    )
    def test_operator_lists_searches_and_opens_each_model(
        self, client, operator, therapist, model, search
    ):
        WorkingHoursFactory(therapist=therapist)
        TimeOffFactory(therapist=therapist)
        client.force_login(operator)

        changelist = client.get(reverse(f"admin:clinics_{model}_changelist"), {"q": search})
        assert changelist.status_code == 200
        obj = changelist.context["cl"].queryset.first()
        assert obj is not None
        change = client.get(reverse(f"admin:clinics_{model}_change", args=[obj.pk]))
        assert change.status_code == 200

    def test_clinic_admin_form_refuses_lowered_severities(self, client, operator, clinic):
        client.force_login(operator)
        url = reverse("admin:clinics_clinic_change", args=[clinic.pk])
        form = client.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None}
        data.update(
            admins=[],
            reminder_hours="[24, 2]",
            raised_severities='{"post_term": "info"}',
            **{
                "therapists-TOTAL_FORMS": 0,
                "therapists-INITIAL_FORMS": 0,
            },
        )

        response = client.post(url, data)

        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == ["raised_severities"]
        assert Clinic.objects.get(pk=clinic.pk).raised_severities == {}
