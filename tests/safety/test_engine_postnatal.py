"""The postnatal part of the rule table (2026.12): every rule at its boundary days."""

import datetime as dt

import pytest

from safety import engine
from safety.engine import evaluate

DUE = dt.date(2027, 3, 1)
BIRTH = dt.date(2027, 2, 20)

PREGNANCY_STAGE_CODES = {rule.code for rule in engine.STAGE_RULES}


def day(n: int) -> dt.date:
    return BIRTH + dt.timedelta(days=n)


def found(on: dt.date, delivery: str, conditions=()) -> dict[str, engine.Finding]:
    return {
        f.code: f for f in evaluate(DUE, on, set(conditions), birth_date=BIRTH, delivery=delivery)
    }


# (rule code, severity, deliveries, days it applies, days it does not)
POSTNATAL_ROWS = [
    ("postnatal_clot_risk", "adapt", ("vaginal", "caesarean"), [0, 41], [42, 100]),
    ("postnatal_early", "adapt", ("vaginal", "caesarean"), [0, 41], [42, 300]),
    ("caesarean_wound_healing", "block", ("caesarean",), [0, 13], [14, 42]),
    ("caesarean_recovery", "clearance", ("caesarean",), [14, 41], [13, 42]),
    ("caesarean_scar", "adapt", ("caesarean",), [42, 364], [41, 0]),
    ("postnatal", "info", ("vaginal", "caesarean"), [42, 364], [41, 0]),
]


@pytest.mark.parametrize(
    ("code", "severity", "deliveries", "applies", "not_applies"), POSTNATAL_ROWS
)
def test_postnatal_rule_applies_exactly_on_its_days(
    code, severity, deliveries, applies, not_applies
):
    for delivery in engine.DELIVERIES:
        for n in applies:
            findings = found(day(n), delivery)
            if delivery in deliveries:
                assert code in findings, f"{code} should apply on day {n} after a {delivery}"
                assert findings[code].severity == severity
            else:
                assert code not in findings, f"{code} never applies after a {delivery} birth"
        for n in not_applies:
            assert code not in found(day(n), delivery), f"{code} not on day {n} ({delivery})"


def test_every_postnatal_row_is_declared_once():
    assert [rule.code for rule in engine.POSTNATAL_RULES] == [row[0] for row in POSTNATAL_ROWS]


@pytest.mark.parametrize("delivery", engine.DELIVERIES)
def test_no_pregnancy_stage_rule_applies_from_the_birth_date(delivery):
    for n in (0, 1, 41, 42, 200):
        assert not PREGNANCY_STAGE_CODES & set(found(day(n), delivery)), n


def test_a_session_the_day_before_the_birth_is_still_a_pregnancy_session():
    codes = set(found(day(-1), "caesarean"))
    assert {"third_trimester", "term", "avoid_deep_leg_massage"} <= codes
    assert not codes & {rule.code for rule in engine.POSTNATAL_RULES}


def test_vaginal_birth_day_0_and_day_42():
    assert set(found(day(0), "vaginal")) == {"postnatal_clot_risk", "postnatal_early"}
    assert set(found(day(42), "vaginal")) == {"postnatal"}


def test_caesarean_day_by_day_severity():
    assert found(day(13), "caesarean")["caesarean_wound_healing"].severity == "block"
    worst = [
        evaluate(DUE, day(n), set(), birth_date=BIRTH, delivery="caesarean")[0]
        for n in (13, 14, 41, 42)
    ]
    assert [f.severity for f in worst] == ["block", "clearance", "clearance", "adapt"]


def test_caesarean_block_message_is_the_tables():
    finding = found(day(10), "caesarean")["caesarean_wound_healing"]
    assert finding.client_message.startswith(
        "We can't book a massage in the first two weeks after a caesarean"
    )


def test_intake_conditions_still_apply_after_the_birth():
    findings = found(day(50), "vaginal", {"sciatica", "dvt_history"})
    assert {"sciatica", "clotting_history", "postnatal"} <= set(findings)


@pytest.mark.parametrize(
    ("condition", "title_word"),
    [("postnatal_heavy_bleeding", "bleeding"), ("chest_pain_or_breathlessness", "Chest")],
)
def test_postnatal_red_flags_block(condition, title_word):
    findings = evaluate(DUE, day(45), {condition}, birth_date=BIRTH, delivery="vaginal")
    assert findings[0].code == condition
    assert findings[0].severity == "block"
    assert title_word in findings[0].title


def test_postnatal_red_flags_are_asked_only_once_a_birth_is_recorded():
    before = {rule.condition for rule in engine.intake_questions(after_birth=False)}
    after = {rule.condition for rule in engine.intake_questions(after_birth=True)}
    assert not before & engine.POSTNATAL_CONDITIONS
    assert after - before == engine.POSTNATAL_CONDITIONS
    for condition in engine.POSTNATAL_CONDITIONS:
        assert engine.CONDITIONS[condition].group == engine.RIGHT_NOW


@pytest.mark.parametrize(
    ("birth_date", "delivery"),
    [(BIRTH, "forceps"), (BIRTH, None), (BIRTH, ""), (None, "vaginal")],
)
def test_a_birth_without_a_valid_delivery_is_a_value_error(birth_date, delivery):
    with pytest.raises(ValueError):
        evaluate(DUE, day(5), set(), birth_date=birth_date, delivery=delivery)


def test_pregnancy_call_is_unchanged_without_a_birth():
    on = DUE - dt.timedelta(days=20)
    assert evaluate(DUE, on, {"sciatica"}) == evaluate(
        DUE, on, {"sciatica"}, birth_date=None, delivery=None
    )


def test_a_birth_after_the_session_changes_nothing_for_it():
    on = dt.date(2027, 2, 1)
    assert evaluate(DUE, on, set()) == evaluate(
        DUE, on, set(), birth_date=BIRTH, delivery="caesarean"
    )
