"""Safety's operations, one module per concern: her profile, her answers, the findings of the
rule set for her, clearances and the audit trail. Nothing here knows about bookings: booking
writes flags on its sessions and follows her changes through ``safety.signals``."""

from safety.services.audit import audit_entries_for_clinics, log_audit, log_audit_many
from safety.services.clearances import (
    clearances_covering,
    phone_booking_clearances,
    record_phone_booking_clearance,
    uncleared_blocks,
)
from safety.services.errors import ClearanceError, DatingError, ProfileMissing, SafetyError
from safety.services.findings import (
    POSTNATAL_BOOKING_LIMIT,
    HerAnswers,
    findings_for,
    her_answers,
)
from safety.services.intake import record_intake
from safety.services.profile import (
    ANSWERS_STEP,
    PROFILE_STEP,
    client_ready_to_book,
    latest_intake,
    onboarding_step,
    pregnancy_profile,
    red_flag_rules,
    save_pregnancy_profile,
    set_mobile_number,
)

__all__ = [
    "ANSWERS_STEP",
    "PROFILE_STEP",
    "POSTNATAL_BOOKING_LIMIT",
    "ClearanceError",
    "DatingError",
    "HerAnswers",
    "ProfileMissing",
    "SafetyError",
    "audit_entries_for_clinics",
    "clearances_covering",
    "client_ready_to_book",
    "findings_for",
    "her_answers",
    "latest_intake",
    "log_audit",
    "log_audit_many",
    "onboarding_step",
    "phone_booking_clearances",
    "pregnancy_profile",
    "record_intake",
    "record_phone_booking_clearance",
    "red_flag_rules",
    "save_pregnancy_profile",
    "set_mobile_number",
    "uncleared_blocks",
]
