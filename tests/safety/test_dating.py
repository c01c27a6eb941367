"""Pregnancy dating: gestational age, trimesters, term and entry checks."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety.dating import (
    GestationalAge,
    Trimester,
    due_date_entry_problem,
    due_date_from_last_period,
    gestational_age_on,
    weeks_and_days,
)

DUE = dt.date(2027, 3, 1)


def on_ga(weeks: int, days: int) -> dt.date:
    """The date on which a pregnancy due on ``DUE`` is ``weeks``w``days``d."""
    return DUE - dt.timedelta(days=280 - (weeks * 7 + days))


def test_due_date_from_last_period_is_280_days_later():
    assert due_date_from_last_period(dt.date(2026, 5, 25)) == dt.date(2027, 3, 1)


def test_gestational_age_is_shown_as_weeks_and_days():
    ga = gestational_age_on(DUE, on_ga(27, 6))
    assert (ga.weeks, ga.days, str(ga)) == (27, 6, "27w6d")


def test_due_date_itself_is_40w0d():
    assert str(gestational_age_on(DUE, DUE)) == "40w0d"


def test_first_day_of_pregnancy_is_0w0d():
    assert str(gestational_age_on(DUE, DUE - dt.timedelta(days=280))) == "0w0d"


def test_a_session_before_0w0d_is_a_value_error():
    with pytest.raises(ValueError, match="before this pregnancy began"):
        gestational_age_on(DUE, DUE - dt.timedelta(days=281))


@pytest.mark.parametrize(
    ("last", "first", "before", "after"),
    [
        ((13, 6), (14, 0), Trimester.FIRST, Trimester.SECOND),
        ((27, 6), (28, 0), Trimester.SECOND, Trimester.THIRD),
    ],
)
def test_trimester_boundaries_follow_acog(last, first, before, after):
    assert gestational_age_on(DUE, on_ga(*last)).trimester == before
    assert gestational_age_on(DUE, on_ga(*first)).trimester == after


def test_19w6d_and_20w0d_straddle_the_supine_limit():
    assert gestational_age_on(DUE, on_ga(19, 6)).total_days < 140
    assert gestational_age_on(DUE, on_ga(20, 0)).total_days == 140


def test_term_starts_at_37w0d():
    assert not gestational_age_on(DUE, on_ga(36, 6)).is_term
    assert gestational_age_on(DUE, on_ga(37, 0)).is_term


def test_past_due_date_starts_at_40w0d():
    assert not gestational_age_on(DUE, on_ga(39, 6)).is_past_due_date
    assert gestational_age_on(DUE, on_ga(40, 0)).is_past_due_date


def test_post_term_starts_at_42w0d():
    assert not gestational_age_on(DUE, on_ga(41, 6)).is_post_term
    assert gestational_age_on(DUE, on_ga(42, 0)).is_post_term


def test_gestational_age_in_words():
    assert GestationalAge.of(27, 6).in_words == "27 weeks and 6 days pregnant"
    assert GestationalAge.of(1, 1).in_words == "1 week and 1 day pregnant"
    assert GestationalAge.of(22).in_words == "22 weeks pregnant"


def test_days_outside_a_week_are_refused():
    with pytest.raises(ValueError):
        GestationalAge.of(20, 7)


@given(
    due=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    offset=st.integers(min_value=0, max_value=400),
)
def test_gestational_age_advances_one_day_per_day_and_trimester_never_goes_back(due, offset):
    on = due - dt.timedelta(days=280) + dt.timedelta(days=offset)
    today = gestational_age_on(due, on)
    tomorrow = gestational_age_on(due, on + dt.timedelta(days=1))
    assert tomorrow.total_days == today.total_days + 1
    assert tomorrow.trimester >= today.trimester
    assert (tomorrow.weeks, tomorrow.days) == divmod(today.total_days + 1, 7)


TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("due", "refused"),
    [
        (TODAY + dt.timedelta(weeks=42), False),
        (TODAY + dt.timedelta(weeks=42, days=1), True),
        (TODAY - dt.timedelta(weeks=2), False),
        (TODAY - dt.timedelta(weeks=2, days=1), True),
        (TODAY + dt.timedelta(weeks=20), False),
    ],
)
def test_due_date_entry_check(due, refused):
    assert (due_date_entry_problem(due, today=TODAY) is not None) == refused


def test_entry_check_message_is_plain():
    message = due_date_entry_problem(TODAY + dt.timedelta(weeks=50), today=TODAY)
    assert "more than 42 weeks away" in message


@pytest.mark.parametrize(
    ("total_days", "words"),
    [
        (0, "0 weeks"),
        (3, "0 weeks and 3 days"),
        (7, "1 week"),
        (8, "1 week and 1 day"),
        (155, "22 weeks and 1 day"),
        (160, "22 weeks and 6 days"),
    ],
)
def test_weeks_and_days_are_singular_where_there_is_one(total_days, words):
    assert weeks_and_days(total_days) == words
    assert GestationalAge(total_days).weeks_and_days == words
