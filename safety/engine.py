"""The safety rule table as data, and ``evaluate``: due date, session date, conditions → findings.

One declaration per row of the rule table (pregnancy stage rules, postnatal stage rules, then
condition rules). Nothing here touches the database, so the whole table is testable as plain
functions.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from safety.dating import GestationalAge, gestational_age_on

RULESET_VERSION = "2026.12"

INFO = "info"
ADAPT = "adapt"
CLEARANCE = "clearance"
BLOCK = "block"

# block > clearance > adapt > info; a higher rank is more serious.
SEVERITY_RANK = {INFO: 0, ADAPT: 1, CLEARANCE: 2, BLOCK: 3}

SEVERITY_WORDS = {
    BLOCK: "Cannot go ahead",
    CLEARANCE: "Clearance needed",
    ADAPT: "Adapt treatment",
    INFO: "Information",
}

NOT_MEDICAL_ADVICE = (
    "These notes help your therapist keep you comfortable and safe. They are not medical "
    "advice: your midwife or doctor knows your pregnancy best."
)

RED_FLAG_SYMPTOMS = (
    "Call your midwife or doctor straight away (and don't come to your session) if you have "
    "any bleeding or fluid leaking, regular contractions or tummy pain, a fever, your baby "
    "moving less than usual, sudden swelling of your face or hands, a severe headache or "
    "changes in your vision, or one leg that is swollen, warm, red or painful."
)

ACUPRESSURE_POINTS = "SP6, LI4, BL60, BL67, KI3, GB21"


def _weeks(weeks: int, days: int = 0) -> int:
    return weeks * 7 + days


@dataclass(frozen=True)
class Finding:
    """One rule that applies to one session."""

    code: str
    severity: str
    title: str
    instruction: str
    client_message: str

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]

    @property
    def severity_words(self) -> str:
        return SEVERITY_WORDS[self.severity]

    def raised_to(self, severity: str) -> "Finding":
        """This finding at ``severity`` if that is more serious; never less serious."""
        if severity not in SEVERITY_RANK:
            raise ValueError(f"Unknown severity {severity!r}.")
        if SEVERITY_RANK[severity] <= self.rank:
            return self
        return replace(self, severity=severity)


@dataclass(frozen=True)
class StageRule:
    """A rule from the stage of pregnancy: applies when ``from_days <= GA < until_days``."""

    code: str
    severity: str
    title: str
    instruction: str
    client_message: str
    from_days: int = 0
    until_days: int | None = None

    def applies(self, ga: GestationalAge) -> bool:
        return ga.total_days >= self.from_days and (
            self.until_days is None or ga.total_days < self.until_days
        )

    def finding(self) -> Finding:
        return Finding(self.code, self.severity, self.title, self.instruction, self.client_message)


@dataclass(frozen=True)
class ConditionRule:
    """A rule from one intake answer; the table gives no weeks, so it applies at any GA."""

    condition: str
    group: str
    question: str
    code: str
    severity: str
    title: str
    instruction: str
    client_message: str
    # The rule table sends her to emergency services, not only to her maternity team.
    emergency: bool = False

    def finding(self) -> Finding:
        return Finding(self.code, self.severity, self.title, self.instruction, self.client_message)


VAGINAL = "vaginal"
CAESAREAN = "caesarean"
DELIVERIES = (VAGINAL, CAESAREAN)

# Postnatal days are counted from the birth date (day 0); the six-week check is day 42.
SIX_WEEKS_DAYS = 42
CAESAREAN_WOUND_DAYS = 14


@dataclass(frozen=True)
class PostnatalRule:
    """A rule from the time after birth: applies when ``from_day <= day < until_day``.

    ``deliveries`` names the births it applies after (both, or caesarean only).
    """

    code: str
    severity: str
    title: str
    instruction: str
    client_message: str
    deliveries: tuple[str, ...] = DELIVERIES
    from_day: int = 0
    until_day: int | None = None

    def applies(self, day: int, delivery: str) -> bool:
        return (
            delivery in self.deliveries
            and day >= self.from_day
            and (self.until_day is None or day < self.until_day)
        )

    def finding(self) -> Finding:
        return Finding(self.code, self.severity, self.title, self.instruction, self.client_message)


RIGHT_NOW = "right_now"
THIS_PREGNANCY = "this_pregnancy"
YOUR_HEALTH = "your_health"

QUESTION_GROUPS = {
    RIGHT_NOW: "Right now",
    THIS_PREGNANCY: "This pregnancy",
    YOUR_HEALTH: "Your health",
}

_SEE_MATERNITY_TODAY = (
    "Please don't wait for your session: contact your midwife or maternity unit today. "
    "We can book you once they have seen you."
)


STAGE_RULES: tuple[StageRule, ...] = (
    StageRule(
        code="first_trimester",
        severity=ADAPT,
        title="First trimester: gentle work only",
        instruction=(
            "Gentle, relaxing work only; no abdominal massage; no deep pressure anywhere. "
            "Many clients prefer to start at week 14."
        ),
        client_message=(
            "Massage is gentle in early pregnancy; most of our plans start from week 14."
        ),
        until_days=_weeks(14),
    ),
    StageRule(
        code="side_lying_position",
        severity=ADAPT,
        title="Side-lying position",
        instruction=(
            "Side-lying with bolsters under the head, belly and top knee; no prone work on a "
            "flat table, with or without a belly cut-out."
        ),
        client_message="You'll lie on your side, supported by pillows.",
        from_days=_weeks(14),
    ),
    StageRule(
        code="supine_limit",
        severity=ADAPT,
        title="Never flat on the back",
        instruction=(
            "Never flat on the back. If a semi-reclined position is used, raise the torso at "
            "least 30° with a wedge under the right hip; stop and turn her to her left side at "
            "any dizziness, nausea or sweating."
        ),
        client_message="We won't ask you to lie flat on your back.",
        from_days=_weeks(20),
    ),
    StageRule(
        code="avoid_deep_leg_massage",
        severity=ADAPT,
        title="Avoid deep leg massage",
        instruction=(
            "No deep pressure on legs, calves or inner thighs. Only very light, slow strokes up "
            "the leg toward the heart. Stop and refer if a leg is swollen on one side, warm, "
            "red or painful."
        ),
        client_message=(
            "We keep leg work very light, because clotting risk is higher in pregnancy."
        ),
    ),
    StageRule(
        code="acupressure_points",
        severity=ADAPT,
        title="No firm pressure on acupressure points",
        instruction=(
            f"No sustained firm pressure on {ACUPRESSURE_POINTS}. (Evidence of harm is weak; "
            "this is the widely taught precaution.)"
        ),
        client_message=(
            "We avoid firm pressure on a few acupressure points on the hands, ankles, lower "
            "legs and shoulders, as is usual in pregnancy."
        ),
    ),
    StageRule(
        code="third_trimester",
        severity=INFO,
        title="Third trimester",
        instruction=(
            "Side-lying only; offer position changes and bathroom breaks; keep to 60 minutes."
        ),
        client_message=(
            "Sessions last up to an hour; just say if you'd like to change position or take a "
            "bathroom break."
        ),
        from_days=_weeks(28),
    ),
    StageRule(
        code="term",
        severity=INFO,
        title="At term: labour can start any day",
        instruction=(
            "Labour can start any day; confirm she feels well and has no contractions, bleeding "
            "or fluid loss before starting."
        ),
        client_message=(
            "Your baby could arrive any day now. Your therapist will check you feel well before "
            "starting; if labour starts, call your midwife, not us, and we'll sort out the "
            "booking later."
        ),
        from_days=_weeks(37),
        until_days=_weeks(40),
    ),
    StageRule(
        code="past_due_date",
        severity=ADAPT,
        title="Past the due date",
        instruction=(
            "Past the due date: confirm her maternity team is seeing her; gentle session; no "
            f"pressure on the abdomen or the acupressure points above ({ACUPRESSURE_POINTS}). "
            "Labour can start any day: confirm she has no contractions, bleeding or fluid loss "
            "before starting."
        ),
        client_message=(
            "You're past your due date; please make sure your midwife or doctor knows you're "
            "coming. If you have contractions, bleeding or fluid leaking, call them instead of "
            "coming in."
        ),
        from_days=_weeks(40),
        until_days=_weeks(42),
    ),
    StageRule(
        code="post_term",
        severity=BLOCK,
        title="42 weeks or more: no sessions",
        instruction=(
            "Do not treat. From 42 weeks she belongs with her maternity team; ask her to contact "
            "them."
        ),
        client_message=(
            "We can't book sessions from 42 weeks. Please contact your maternity team."
        ),
        from_days=_weeks(42),
    ),
)


POSTNATAL_RULES: tuple[PostnatalRule, ...] = (
    PostnatalRule(
        code="postnatal_clot_risk",
        severity=ADAPT,
        title="After the birth: clot risk at its highest",
        instruction=(
            "Clot risk is at its highest in the weeks after birth: no deep work on calves, inner "
            "thighs or behind the knees; only light, slow strokes up the leg; stop and refer if a "
            "leg is swollen on one side, warm, red or painful."
        ),
        client_message="In the first six weeks after birth we keep leg work very light.",
        until_day=SIX_WEEKS_DAYS,
    ),
    PostnatalRule(
        code="postnatal_early",
        severity=ADAPT,
        title="First six weeks after the birth: gentle work",
        instruction=(
            "Gentle work; no abdominal massage; no deep pressure on the low back; side-lying or "
            "semi-reclined with pillows (support tender breasts); expect breaks."
        ),
        client_message="Sessions stay gentle until your six-week check.",
        until_day=SIX_WEEKS_DAYS,
    ),
    PostnatalRule(
        code="caesarean_wound_healing",
        severity=BLOCK,
        title="First two weeks after a caesarean: no sessions",
        instruction="Do not treat while the caesarean wound heals (the first two weeks).",
        client_message=(
            "We can't book a massage in the first two weeks after a caesarean, while your wound "
            "heals. Please call the clinic if your doctor advises otherwise."
        ),
        deliveries=(CAESAREAN,),
        until_day=CAESAREAN_WOUND_DAYS,
    ),
    PostnatalRule(
        code="caesarean_recovery",
        severity=CLEARANCE,
        title="Recovering from a caesarean",
        instruction=(
            "Written clearance from her doctor or midwife first. No abdominal work and no "
            "pressure near the scar; no face-down position; feet, hands, neck, shoulders and "
            "back only."
        ),
        client_message=(
            "After a caesarean we need a note from your doctor or midwife before your first "
            "session."
        ),
        deliveries=(CAESAREAN,),
        from_day=CAESAREAN_WOUND_DAYS,
        until_day=SIX_WEEKS_DAYS,
    ),
    PostnatalRule(
        code="caesarean_scar",
        severity=ADAPT,
        title="Caesarean scar",
        instruction=(
            "Work on or around the scar only with her doctor's written permission; gentle."
        ),
        client_message="We only work near your scar with your doctor's written permission.",
        deliveries=(CAESAREAN,),
        from_day=SIX_WEEKS_DAYS,
    ),
    PostnatalRule(
        code="postnatal",
        severity=INFO,
        title="Postnatal massage",
        instruction="Usual postnatal massage; ask about feeding, sleep and pelvic floor comfort.",
        client_message="",
        from_day=SIX_WEEKS_DAYS,
    ),
)


# The two red-flag questions of rule set 2026.12: asked once a birth is recorded.
POSTNATAL_CONDITIONS = frozenset({"postnatal_heavy_bleeding", "chest_pain_or_breathlessness"})

CONDITION_RULES: tuple[ConditionRule, ...] = (
    ConditionRule(
        condition="vaginal_bleeding",
        group=RIGHT_NOW,
        question=(
            "Any bleeding or spotting, or fluid leaking, in this pregnancy that your midwife or "
            "doctor hasn't cleared?"
        ),
        code="bleeding_or_fluid",
        severity=BLOCK,
        title="Bleeding or fluid loss not yet cleared",
        instruction="Do not treat. Refer her to maternity care today.",
        client_message=(
            "Bleeding, spotting or leaking fluid needs checking by your midwife or doctor first. "
            + _SEE_MATERNITY_TODAY
        ),
    ),
    ConditionRule(
        condition="suspected_dvt",
        group=RIGHT_NOW,
        question="Is one of your legs swollen, warm, red or painful right now?",
        code="suspected_dvt",
        severity=BLOCK,
        title="Possible blood clot in a leg",
        instruction="Do not treat. Refer her the same day: possible blood clot (DVT).",
        client_message=(
            "A swollen, warm, red or painful leg can be a blood clot, which needs checking the "
            "same day. Please call your midwife, doctor or maternity unit today; don't massage "
            "the leg."
        ),
    ),
    ConditionRule(
        condition="preeclampsia_signs",
        group=RIGHT_NOW,
        question=(
            "Sudden swelling of your face or hands, a severe headache or changes in your vision?"
        ),
        code="preeclampsia_signs",
        severity=BLOCK,
        title="Possible signs of pre-eclampsia",
        instruction="Do not treat. Refer her the same day: possible pre-eclampsia.",
        client_message=(
            "Sudden swelling, a severe headache or changes in your vision need checking the same "
            "day. Please call your midwife or maternity unit today."
        ),
    ),
    ConditionRule(
        condition="preeclampsia",
        group=THIS_PREGNANCY,
        question="Have you been diagnosed with pre-eclampsia?",
        code="preeclampsia",
        severity=BLOCK,
        title="Pre-eclampsia diagnosed",
        instruction=(
            "Not bookable online. Book only by phone, with her maternity team's involvement."
        ),
        client_message=(
            "With pre-eclampsia we can only arrange sessions together with your maternity team. "
            "Please talk to your midwife or doctor, then call the clinic to book by phone."
        ),
    ),
    ConditionRule(
        condition="reduced_fetal_movement",
        group=RIGHT_NOW,
        question="Has your baby been moving less than usual?",
        code="reduced_fetal_movement",
        severity=BLOCK,
        title="Baby moving less than usual",
        instruction="Do not treat. Refer her the same day: reduced fetal movement.",
        client_message=(
            "If your baby is moving less than usual, call your midwife or maternity unit now — "
            "don't wait until tomorrow."
        ),
    ),
    ConditionRule(
        condition="abdominal_trauma",
        group=RIGHT_NOW,
        question="A fall or a blow to your belly in the last 7 days?",
        code="abdominal_trauma",
        severity=BLOCK,
        title="Fall or blow to the belly in the last 7 days",
        instruction="Do not treat until maternity care has checked her.",
        client_message=(
            "After a fall or a blow to your belly, your midwife or doctor needs to check you "
            "first. " + _SEE_MATERNITY_TODAY
        ),
    ),
    ConditionRule(
        condition="fever_or_infection",
        group=RIGHT_NOW,
        question="A fever, vomiting, diarrhoea or a contagious illness right now?",
        code="unwell",
        severity=BLOCK,
        title="Unwell: fever, vomiting, diarrhoea or contagious illness",
        instruction="Do not treat. Reschedule once she is well.",
        client_message=(
            "Rest and get well first. Please book again once you're better, and call your "
            "midwife or doctor if you have a fever."
        ),
    ),
    ConditionRule(
        condition="sciatica_red_flags",
        group=RIGHT_NOW,
        question=(
            "Numbness around your groin or bottom, new weakness in a leg, or trouble controlling "
            "your bladder or bowel?"
        ),
        code="sciatica_red_flags",
        severity=BLOCK,
        title="Nerve warning signs: urgent assessment",
        instruction="Do not treat. She needs urgent medical assessment.",
        client_message=(
            "Numbness around the groin or bottom, new leg weakness or trouble with your bladder "
            "or bowel need urgent medical care. Please call your doctor or emergency services "
            "now."
        ),
        emergency=True,
    ),
    ConditionRule(
        condition="dvt_history",
        group=YOUR_HEALTH,
        question=(
            "Have you ever had a blood clot (DVT or pulmonary embolism) or a clotting disorder?"
        ),
        code="clotting_history",
        severity=CLEARANCE,
        title="History of blood clots or a clotting disorder",
        instruction="No leg or inner-thigh massage at all; only gentle holding of the feet.",
        client_message=(
            "Because of your clotting history we need a note from your midwife or doctor saying "
            "massage is fine for you. We won't massage your legs at all."
        ),
    ),
    ConditionRule(
        condition="anticoagulants",
        group=YOUR_HEALTH,
        question="Are you taking blood thinners (for example heparin injections)?",
        code="anticoagulants",
        severity=ADAPT,
        title="Taking blood thinners",
        instruction=(
            "Light pressure everywhere (bruising risk); no leg massage beyond light strokes."
        ),
        client_message=(
            "Blood thinners make bruising easier, so we'll keep the pressure light everywhere."
        ),
    ),
    ConditionRule(
        condition="high_risk_pregnancy",
        group=THIS_PREGNANCY,
        question="Has your midwife or doctor told you your pregnancy is high-risk?",
        code="high_risk",
        severity=CLEARANCE,
        title="High-risk pregnancy",
        instruction="Follow the clearance note's limits.",
        client_message=(
            "As your pregnancy is high-risk, we need a note from your midwife or doctor saying "
            "massage is fine, and we'll follow what it says."
        ),
    ),
    ConditionRule(
        condition="hypertension",
        group=YOUR_HEALTH,
        question="High blood pressure (before or during this pregnancy)?",
        code="hypertension",
        severity=CLEARANCE,
        title="High blood pressure",
        instruction="Moderate pressure; avoid heat; check she feels well.",
        client_message=(
            "With high blood pressure we need a note from your midwife or doctor saying massage "
            "is fine for you. We'll keep the pressure moderate and avoid heat."
        ),
    ),
    ConditionRule(
        condition="placenta_problem",
        group=THIS_PREGNANCY,
        question="A low-lying placenta (placenta praevia) or a placental abruption?",
        code="placenta_problem",
        severity=CLEARANCE,
        title="Placenta praevia or abruption",
        instruction=(
            "No abdominal work and no pressure that raises pressure in the belly. (Sources "
            "disagree; we take the safer reading.)"
        ),
        client_message=(
            "With a placenta problem we need a note from your midwife or doctor first. We won't "
            "work on your tummy."
        ),
    ),
    ConditionRule(
        condition="multiple_pregnancy",
        group=THIS_PREGNANCY,
        question="Are you expecting twins or more?",
        code="multiple_pregnancy",
        severity=CLEARANCE,
        title="Twins or more",
        instruction=(
            "Expect earlier third-trimester discomfort; side-lying; shorter sessions if needed."
        ),
        client_message=(
            "With twins or more we need a note from your midwife or doctor saying massage is "
            "fine. We can make sessions shorter if you're uncomfortable."
        ),
    ),
    ConditionRule(
        condition="preterm_labour_history",
        group=THIS_PREGNANCY,
        question=(
            "Early labour before 37 weeks in a past pregnancy or this one, or a weak (short) "
            "cervix?"
        ),
        code="preterm_risk",
        severity=CLEARANCE,
        title="Risk of early labour",
        instruction=(
            f"No abdominal work; no pressure on the acupressure points {ACUPRESSURE_POINTS}."
        ),
        client_message=(
            "Because of the risk of early labour we need a note from your midwife or doctor "
            "first. We won't work on your tummy."
        ),
    ),
    ConditionRule(
        condition="gestational_diabetes",
        group=YOUR_HEALTH,
        question="Gestational or other diabetes?",
        code="diabetes",
        severity=ADAPT,
        title="Diabetes",
        instruction=(
            "No deep-tissue work; make sure she has eaten; know the signs of a low blood sugar."
        ),
        client_message=(
            "Please eat before your session and bring a snack; tell your therapist if you feel "
            "shaky or dizzy."
        ),
    ),
    ConditionRule(
        condition="heart_or_kidney_disease",
        group=YOUR_HEALTH,
        question="A heart or kidney condition?",
        code="heart_or_kidney",
        severity=CLEARANCE,
        title="Heart or kidney condition",
        instruction="No vigorous circulatory strokes.",
        client_message=(
            "With a heart or kidney condition we need a note from your midwife or doctor saying "
            "massage is fine for you."
        ),
    ),
    ConditionRule(
        condition="varicose_veins",
        group=YOUR_HEALTH,
        question="Varicose veins in your legs or vulva?",
        code="varicose_veins",
        severity=ADAPT,
        title="Varicose veins",
        instruction="No pressure over or below varicose veins; feather-light strokes only.",
        client_message="We'll avoid pressing on or below your varicose veins.",
    ),
    ConditionRule(
        condition="pelvic_girdle_pain",
        group=THIS_PREGNANCY,
        question="Pain at the front of your pelvis (pubic bone) or when turning over in bed?",
        code="pelvic_girdle_pain",
        severity=ADAPT,
        title="Pelvic girdle pain",
        instruction=(
            "Keep knees together and supported when she turns; no wide leg movements or hip "
            "range-of-motion work."
        ),
        client_message=(
            "We'll help you turn with your knees together and avoid stretching your hips wide."
        ),
    ),
    ConditionRule(
        condition="sciatica",
        group=THIS_PREGNANCY,
        question="Pain from your low back or buttock down one leg (sciatica)?",
        code="sciatica",
        severity=INFO,
        title="Sciatica",
        instruction=(
            "Side-lying work on gluteals, piriformis and low back with moderate, lengthening "
            "strokes; during an acute flare no direct work on the painful leg."
        ),
        client_message=(
            "We'll work on your low back and hips to ease the sciatic pain; tell us if it flares "
            "up on the day."
        ),
    ),
    ConditionRule(
        condition="postnatal_heavy_bleeding",
        group=RIGHT_NOW,
        question=(
            "Since the birth: bleeding that soaks a pad in an hour, large clots, or bleeding that "
            "is getting heavier?"
        ),
        code="postnatal_heavy_bleeding",
        severity=BLOCK,
        title="Heavy bleeding since the birth",
        instruction="Do not treat. Refer her to maternity care today.",
        client_message=(
            "Heavy bleeding or large clots after the birth need checking by your midwife or "
            "doctor today. Please call them now; we can book you once they have seen you."
        ),
    ),
    ConditionRule(
        condition="chest_pain_or_breathlessness",
        group=RIGHT_NOW,
        question="Chest pain, or suddenly short of breath, or coughing up blood?",
        code="chest_pain_or_breathlessness",
        severity=BLOCK,
        title="Chest pain or breathlessness: possible clot in the lung",
        instruction="Do not treat. Call emergency services: possible clot in the lung.",
        client_message=(
            "Chest pain, sudden breathlessness or coughing up blood can be a blood clot in the "
            "lung. Call emergency services now, then let your midwife or doctor know."
        ),
    ),
)

CONDITIONS: dict[str, ConditionRule] = {rule.condition: rule for rule in CONDITION_RULES}

# The one kind of block the rule table lets the clinic book anyway: "book only by phone, with
# her maternity team's involvement". A clinic admin may book it against a clearance from that
# team recorded at the clinic; every other block stops everyone.
BOOKABLE_BY_PHONE_WITH_CLEARANCE = frozenset({"preeclampsia"})
RULES_BY_CODE: dict[str, StageRule | ConditionRule] = {
    rule.code: rule for rule in (*STAGE_RULES, *POSTNATAL_RULES, *CONDITION_RULES)
}


def blocking_conditions(conditions: Iterable[str]) -> list[ConditionRule]:
    """Her answers that stop every session by the rule table, in table order."""
    conditions = set(conditions)
    return [
        rule for rule in CONDITION_RULES if rule.condition in conditions and rule.severity == BLOCK
    ]


def intake_questions(*, after_birth: bool) -> list[ConditionRule]:
    """The intake's questions: the postnatal red flags join once a birth is recorded."""
    return [
        rule
        for rule in CONDITION_RULES
        if after_birth or rule.condition not in POSTNATAL_CONDITIONS
    ]


def check_birth(birth_date: dt.date | None, delivery: str | None) -> None:
    """A birth is a date and a delivery together; anything else is a ``ValueError``."""
    if birth_date is None:
        if delivery is not None:
            raise ValueError("A delivery needs a birth date.")
        return
    if delivery not in DELIVERIES:
        raise ValueError(f"Unknown delivery {delivery!r}: use 'vaginal' or 'caesarean'.")


def days_after_birth(birth_date: dt.date, on: dt.date) -> int:
    """Day 0 is the birth date itself."""
    return (on - birth_date).days


def evaluate(
    due_date: dt.date,
    on: dt.date,
    conditions: Iterable[str],
    *,
    birth_date: dt.date | None = None,
    delivery: str | None = None,
) -> list[Finding]:
    """Findings for a session on ``on``, most serious first, table order within a severity.

    Before the birth (or with no birth recorded) the pregnancy stage rules apply at the
    gestational age on ``on``; from the birth date on, the postnatal stage rules replace them.
    The condition rules apply either way. Raises ``ValueError`` for a pregnancy session before
    0w0d, a condition code not in the table, or a birth without a valid delivery.
    """
    conditions = set(conditions)
    unknown = sorted(conditions - CONDITIONS.keys())
    if unknown:
        raise ValueError(f"Unknown condition code(s): {', '.join(unknown)}.")
    check_birth(birth_date, delivery)
    if birth_date is not None and on >= birth_date:
        day = days_after_birth(birth_date, on)
        findings = [rule.finding() for rule in POSTNATAL_RULES if rule.applies(day, delivery)]
    else:
        ga = gestational_age_on(due_date, on)
        findings = [rule.finding() for rule in STAGE_RULES if rule.applies(ga)]
    findings += [rule.finding() for rule in CONDITION_RULES if rule.condition in conditions]
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most serious first; the sort is stable, so table order holds within a severity."""
    return sorted(findings, key=lambda finding: -finding.rank)


def apply_raised_severities(
    findings: Iterable[Finding], raised: dict[str, str] | None
) -> list[Finding]:
    """A clinic's raised severities (rule code → severity) on top of the findings; raise only."""
    raised = raised or {}
    return sort_findings(
        finding.raised_to(raised[finding.code])
        if raised.get(finding.code) in SEVERITY_RANK
        else finding
        for finding in findings
    )


# A few words per rule for the therapist's day list: what changes her hands, readable at a
# glance between sessions. The topic groups rules that speak of the same thing (her legs, her
# position), so a list shows the most specific one; the full instruction stays on the session.
CHIP_LABELS: dict[str, tuple[str, str]] = {
    "first_trimester": ("pressure", "Gentle only, no belly"),
    "side_lying_position": ("position", "Side-lying"),
    "supine_limit": ("position", "Never flat on back"),
    "avoid_deep_leg_massage": ("legs", "Legs: light strokes only"),
    "acupressure_points": ("points", "No firm acupressure points"),
    "third_trimester": ("length", "60 min, offer breaks"),
    "term": ("labour", "Term: check for labour signs"),
    "past_due_date": ("labour", "Past due: gentle, no belly"),
    "post_term": ("post_term", "Do not treat: 42 weeks"),
    "postnatal_clot_risk": ("legs", "Legs: light strokes only"),
    "postnatal_early": ("pressure", "Postnatal: gentle, no belly"),
    "caesarean_wound_healing": ("caesarean_wound_healing", "Do not treat: wound healing"),
    "caesarean_recovery": ("belly", "No belly or scar work"),
    "caesarean_scar": ("belly", "Scar: only with permission"),
    "postnatal": ("postnatal", "Postnatal"),
    "bleeding_or_fluid": ("bleeding_or_fluid", "Do not treat: bleeding"),
    "suspected_dvt": ("suspected_dvt", "Do not treat: possible clot"),
    "preeclampsia_signs": ("preeclampsia_signs", "Do not treat: pre-eclampsia signs"),
    "preeclampsia": ("preeclampsia", "Pre-eclampsia: maternity team"),
    "reduced_fetal_movement": ("reduced_fetal_movement", "Do not treat: baby moving less"),
    "abdominal_trauma": ("abdominal_trauma", "Do not treat: blow to belly"),
    "unwell": ("unwell", "Do not treat: unwell"),
    "sciatica_red_flags": ("sciatica_red_flags", "Do not treat: nerve signs"),
    "clotting_history": ("legs", "Legs: none, hold feet only"),
    "anticoagulants": ("pressure", "Light pressure everywhere"),
    "high_risk": ("high_risk", "Follow the clearance note"),
    "hypertension": ("heat", "Moderate pressure, no heat"),
    "placenta_problem": ("belly", "No belly work"),
    "multiple_pregnancy": ("length", "Twins: shorter if needed"),
    "preterm_risk": ("belly", "No belly, no acupressure"),
    "diabetes": ("diabetes", "No deep tissue; has she eaten?"),
    "heart_or_kidney": ("strokes", "No vigorous strokes"),
    "varicose_veins": ("veins", "Veins: feather-light"),
    "pelvic_girdle_pain": ("hips", "Knees together when turning"),
    "sciatica": ("sciatica", "Sciatica"),
    "postnatal_heavy_bleeding": ("postnatal_heavy_bleeding", "Do not treat: heavy bleeding"),
    "chest_pain_or_breathlessness": ("chest_pain_or_breathlessness", "Do not treat: chest pain"),
}

# Table order, used to list chips in the order the rule table reads.
RULE_ORDER: dict[str, int] = {code: index for index, code in enumerate(RULES_BY_CODE)}


def chip_for(code: str, title: str) -> tuple[str, str]:
    """The topic and short label of a rule; an unknown (retired) rule shows its title."""
    return CHIP_LABELS.get(code, (code, title))
