"""The rule table: one case per row, plus unknown codes, empty intake and ordering."""

import datetime as dt

import pytest

from safety import engine
from safety.engine import RULESET_VERSION, SEVERITY_RANK, Finding, evaluate

DUE = dt.date(2027, 3, 1)


def on_ga(weeks: int, days: int = 0) -> dt.date:
    return DUE - dt.timedelta(days=280 - (weeks * 7 + days))


def codes(findings: list[Finding]) -> set[str]:
    return {finding.code for finding in findings}


# (rule code, severity, GAs at which it applies, GAs at which it does not)
STAGE_ROWS = [
    ("first_trimester", "adapt", [(0, 0), (8, 3), (13, 6)], [(14, 0), (30, 0)]),
    ("side_lying_position", "adapt", [(14, 0), (30, 0), (43, 0)], [(13, 6), (2, 0)]),
    ("supine_limit", "adapt", [(20, 0), (36, 0)], [(19, 6), (10, 0)]),
    ("avoid_deep_leg_massage", "adapt", [(0, 0), (13, 6), (27, 6), (41, 6)], []),
    ("acupressure_points", "adapt", [(0, 0), (20, 0), (42, 0)], []),
    ("third_trimester", "info", [(28, 0), (39, 6), (42, 0)], [(27, 6), (14, 0)]),
    ("term", "info", [(37, 0), (39, 6)], [(36, 6), (40, 0)]),
    ("past_due_date", "adapt", [(40, 0), (41, 6)], [(39, 6), (42, 0)]),
    ("post_term", "block", [(42, 0), (43, 2)], [(41, 6), (40, 0)]),
]


@pytest.mark.parametrize(("code", "severity", "applies", "not_applies"), STAGE_ROWS)
def test_stage_rule_applies_exactly_in_its_weeks(code, severity, applies, not_applies):
    for weeks, days in applies:
        found = {f.code: f for f in evaluate(DUE, on_ga(weeks, days), set())}
        assert code in found, f"{code} should apply at {weeks}w{days}d"
        assert found[code].severity == severity
    for weeks, days in not_applies:
        assert code not in codes(evaluate(DUE, on_ga(weeks, days), set())), (
            f"{code} should not apply at {weeks}w{days}d"
        )


# (condition code, rule code, severity)
CONDITION_ROWS = [
    ("vaginal_bleeding", "bleeding_or_fluid", "block"),
    ("suspected_dvt", "suspected_dvt", "block"),
    ("preeclampsia_signs", "preeclampsia_signs", "block"),
    ("preeclampsia", "preeclampsia", "block"),
    ("reduced_fetal_movement", "reduced_fetal_movement", "block"),
    ("abdominal_trauma", "abdominal_trauma", "block"),
    ("fever_or_infection", "unwell", "block"),
    ("sciatica_red_flags", "sciatica_red_flags", "block"),
    ("dvt_history", "clotting_history", "clearance"),
    ("anticoagulants", "anticoagulants", "adapt"),
    ("high_risk_pregnancy", "high_risk", "clearance"),
    ("hypertension", "hypertension", "clearance"),
    ("placenta_problem", "placenta_problem", "clearance"),
    ("multiple_pregnancy", "multiple_pregnancy", "clearance"),
    ("preterm_labour_history", "preterm_risk", "clearance"),
    ("gestational_diabetes", "diabetes", "adapt"),
    ("heart_or_kidney_disease", "heart_or_kidney", "clearance"),
    ("varicose_veins", "varicose_veins", "adapt"),
    ("pelvic_girdle_pain", "pelvic_girdle_pain", "adapt"),
    ("sciatica", "sciatica", "info"),
    ("postnatal_heavy_bleeding", "postnatal_heavy_bleeding", "block"),
    ("chest_pain_or_breathlessness", "chest_pain_or_breathlessness", "block"),
]


@pytest.mark.parametrize(("condition", "rule_code", "severity"), CONDITION_ROWS)
def test_condition_rule_applies_only_when_answered_yes(condition, rule_code, severity):
    for weeks in (8, 22, 38):
        found = {f.code: f for f in evaluate(DUE, on_ga(weeks), {condition})}
        assert found[rule_code].severity == severity
        assert rule_code not in codes(evaluate(DUE, on_ga(weeks), set()))
    others = {c for c, _, _ in CONDITION_ROWS if c != condition}
    assert rule_code not in codes(evaluate(DUE, on_ga(22), others))


def test_every_row_of_the_table_is_declared_once():
    assert len(engine.STAGE_RULES) == len(STAGE_ROWS)
    assert len(engine.CONDITION_RULES) == len(CONDITION_ROWS)
    assert {r.code for r in engine.STAGE_RULES} == {row[0] for row in STAGE_ROWS}
    assert set(engine.CONDITIONS) == {row[0] for row in CONDITION_ROWS}


def test_every_rule_has_a_client_message_and_an_instruction():
    for rule in (*engine.STAGE_RULES, *engine.CONDITION_RULES):
        assert rule.client_message.strip(), rule.code
        assert rule.instruction.strip(), rule.code
        assert rule.title.strip(), rule.code


def test_every_block_rule_tells_her_what_to_do():
    for rule in (*engine.STAGE_RULES, *engine.CONDITION_RULES):
        if rule.severity == "block":
            message = rule.client_message.lower()
            assert any(w in message for w in ("midwife", "doctor", "maternity", "clinic")), (
                rule.code
            )


def test_unknown_condition_code_raises_value_error_naming_it():
    with pytest.raises(ValueError, match="bad_knee"):
        evaluate(DUE, on_ga(22), {"sciatica", "bad_knee"})


def test_empty_intake_yields_only_stage_rules():
    findings = evaluate(DUE, on_ga(22), [])
    assert codes(findings) == {
        "side_lying_position",
        "supine_limit",
        "avoid_deep_leg_massage",
        "acupressure_points",
    }


def test_findings_are_ordered_block_clearance_adapt_info():
    conditions = {"sciatica", "dvt_history", "suspected_dvt", "anticoagulants"}
    findings = evaluate(DUE, on_ga(30), conditions)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=lambda s: -SEVERITY_RANK[s])
    assert severities[0] == "block"
    assert severities[1] == "clearance"
    assert severities[-1] == "info"
    assert SEVERITY_RANK["block"] > SEVERITY_RANK["clearance"] > SEVERITY_RANK["adapt"]
    assert SEVERITY_RANK["adapt"] > SEVERITY_RANK["info"]


def test_evaluate_accepts_a_list_with_repeats():
    assert codes(evaluate(DUE, on_ga(22), ["sciatica", "sciatica"])) >= {"sciatica"}


def test_session_before_pregnancy_began_raises_value_error():
    with pytest.raises(ValueError):
        evaluate(DUE, on_ga(0) - dt.timedelta(days=1), set())


def test_deep_leg_massage_instruction_is_the_tables():
    finding = next(f for f in evaluate(DUE, on_ga(30), set()) if f.code == "avoid_deep_leg_massage")
    assert finding.title == "Avoid deep leg massage"
    assert "Only very light, slow strokes up the leg toward the heart" in finding.instruction


def test_clinic_may_raise_a_severity():
    findings = evaluate(DUE, on_ga(10), set())
    raised = engine.apply_raised_severities(findings, {"first_trimester": "block"})
    assert raised[0].code == "first_trimester"
    assert raised[0].severity == "block"


def test_clinic_can_never_lower_a_severity():
    findings = evaluate(DUE, on_ga(22), {"suspected_dvt"})
    lowered = engine.apply_raised_severities(
        findings, {"suspected_dvt": "info", "supine_limit": "info"}
    )
    by_code = {f.code: f.severity for f in lowered}
    assert by_code["suspected_dvt"] == "block"
    assert by_code["supine_limit"] == "adapt"


def test_ruleset_version_is_the_tables():
    assert RULESET_VERSION == "2026.12"
