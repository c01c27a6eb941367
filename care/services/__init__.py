"""State-changing operations around a session: check-in, hold, treatment notes, her records.

Import them from here: ``from care.services import record_checkin``.
"""

from care.services.checkins import (
    checkin_is_open,
    open_hold,
    record_checkin,
    refresh_flags,
    session_may_start,
)
from care.services.holds import resolve_hold
from care.services.notes import AdaptCheck, NoteContent, amend_note, latest_note, sign_note
from care.services.records import erase_care_records, export_care_records

__all__ = [
    "AdaptCheck",
    "NoteContent",
    "amend_note",
    "checkin_is_open",
    "erase_care_records",
    "export_care_records",
    "latest_note",
    "open_hold",
    "record_checkin",
    "refresh_flags",
    "resolve_hold",
    "session_may_start",
    "sign_note",
]
