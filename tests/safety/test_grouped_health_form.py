"""The health questions in three groups, each with "none of these"; a note box only after yes;
an error summary that counts the problems and links to each; scan and period dates that disagree."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from safety import births, engine, services
from tests.factories import PregnancyProfileFactory
from tests.safety.test_views import intake_data, profile_data

pytestmark = pytest.mark.django_db


def none_of(*groups, yes=(), consent=True, **notes):
    """Answers where whole groups are covered by "none of these" and the rest are answered."""
    data = intake_data(yes=yes, consent=consent, **notes)
    for rule in engine.CONDITION_RULES:
        if rule.group in groups:
            del data[f"q_{rule.condition}"]
    data.update({f"none_{group}": "on" for group in groups})
    return data


def test_none_of_these_answers_every_question_of_its_group_with_no(client, client_user):
    client.force_login(client_user)
    data = none_of(engine.RIGHT_NOW, engine.YOUR_HEALTH, yes=["sciatica"])

    response = client.post(reverse("safety:intake"), data)

    assert response.status_code == 302
    assert services.latest_intake(client_user).conditions == ["sciatica"]


def test_none_of_these_with_a_yes_in_the_group_is_refused_beside_it(client, client_user):
    client.force_login(client_user)
    data = none_of(engine.THIS_PREGNANCY)
    data["q_sciatica"] = "yes"

    response = client.post(reverse("safety:intake"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "answered yes in “This pregnancy”" in errors["none_this_pregnancy"][0]
    assert services.latest_intake(client_user) is None


def test_unanswered_questions_are_counted_and_linked_in_a_summary(client, client_user):
    client.force_login(client_user)
    data = intake_data(consent=False)
    del data["q_suspected_dvt"]
    del data["q_hypertension"]

    page = client.post(reverse("safety:intake"), data).content.decode()

    assert "There are 3 problems with your answers" in page
    assert 'href="#id_q_suspected_dvt_0"' in page
    assert 'href="#id_q_hypertension_0"' in page
    assert 'href="#id_consent"' in page
    assert 'id="id_q_suspected_dvt_0"' in page


def test_each_group_offers_none_of_these_and_each_note_is_a_yes_follow_up(client, client_user):
    client.force_login(client_user)
    page = client.get(reverse("safety:intake")).content.decode()
    for group in engine.QUESTION_GROUPS:
        assert f'name="none_{group}"' in page
    # Before a birth the postnatal red flags are not asked.
    assert page.count("intake-note") == len(engine.intake_questions(after_birth=False))
    for condition in engine.POSTNATAL_CONDITIONS:
        assert f'name="q_{condition}"' not in page


def test_after_a_birth_right_now_asks_the_postnatal_red_flags_and_none_of_these_covers_them(
    client, client_user
):
    PregnancyProfileFactory(client=client_user, due_date=timezone.localdate() + dt.timedelta(3))
    births.record_birth(
        client=client_user,
        birth_date=timezone.localdate(),
        delivery="vaginal",
        recorded_by=client_user,
    )
    client.force_login(client_user)

    form = client.get(reverse("safety:intake")).context["form"]
    right_now = [rule.condition for rule in form.rules if rule.group == engine.RIGHT_NOW]
    assert set(right_now) >= engine.POSTNATAL_CONDITIONS
    assert page_count_notes(form) == len(engine.CONDITION_RULES)

    data = none_of(engine.RIGHT_NOW)
    response = client.post(reverse("safety:intake"), data)
    assert response.status_code == 302
    assert services.latest_intake(client_user).conditions == []

    data = none_of(engine.THIS_PREGNANCY, yes=["postnatal_heavy_bleeding"])
    client.post(reverse("safety:intake"), data)
    assert services.latest_intake(client_user).conditions == ["postnatal_heavy_bleeding"]


def page_count_notes(form) -> int:
    return sum(1 for name in form.fields if name.startswith("note_"))


def test_a_scan_date_and_last_period_date_far_apart_are_shown_before_the_scan_wins(
    client, client_user
):
    client.force_login(client_user)
    due = timezone.localdate() + dt.timedelta(weeks=20)
    lmp = due - dt.timedelta(days=280 + 21)  # gives a due date three weeks earlier
    data = profile_data(due_date=due.isoformat(), last_period_started_on=lmp.isoformat())

    response = client.post(reverse("safety:profile"), data)

    assert response.status_code == 200
    assert "3 weeks from your scan" in response.context["form"].errors["due_date"][0]
    assert 'type="checkbox" name="confirm_scan_date"' in response.content.decode()
    assert services.pregnancy_profile(client_user) is None

    response = client.post(reverse("safety:profile"), {**data, "confirm_scan_date": "on"})
    assert response.status_code == 302
    assert services.pregnancy_profile(client_user).due_date == due


def test_dates_within_two_weeks_need_no_confirmation(client, client_user):
    client.force_login(client_user)
    due = timezone.localdate() + dt.timedelta(weeks=20)
    lmp = due - dt.timedelta(days=280 + 10)
    data = profile_data(due_date=due.isoformat(), last_period_started_on=lmp.isoformat())
    assert client.post(reverse("safety:profile"), data).status_code == 302
