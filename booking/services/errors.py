"""Domain errors of the booking services, each with a message fit to show the client."""

from common.errors import DomainError


class BookingError(DomainError):
    """Base class: ``str(error)`` is a sentence the client can read."""

    default_message = "That booking could not be made."


class SlotUnavailable(BookingError):
    default_message = "That time was just taken."


class OverlappingBooking(BookingError):
    default_message = "You already have a session at that time."


class SameDaySession(BookingError):
    default_message = "You already have a session that day: one massage a day at most."


class ProfileIncomplete(BookingError):
    default_message = "Please tell us your due date and answer the health questions first."


class SafetyBlocked(BookingError):
    """A ``block`` safety rule applies on the session's date."""

    def __init__(self, message: str = "", *, findings=()):
        super().__init__(message or "We can't book this session online.")
        self.findings = list(findings)


class CancellationTooLate(BookingError):
    default_message = "It is too late to change this session online. Please call the clinic."


class PlanError(BookingError):
    default_message = "That plan could not be booked."


class PlanChanged(PlanError):
    """Some dates she accepted were taken meanwhile; nothing of the plan was booked."""

    default_message = (
        "Some of the times you chose were just taken, so nothing was booked. "
        "Here is the updated list: please check it and confirm again."
    )

    def __init__(self, message: str = "", *, preview=None, failed=()):
        super().__init__(message)
        self.preview = preview
        # (slot, BookingError) pairs: which accepted times failed and why.
        self.failed = list(failed)


class Busy(BookingError):
    """Another change holds the rows this one needs for longer than we let anyone wait."""

    default_message = (
        "Someone else is changing this right now, so nothing was changed. "
        "Please try again in a moment."
    )


class NotAllowed(BookingError):
    """A staff member acting outside what her role at the clinic allows."""

    default_message = "You can't change sessions outside your own clinic and slots."


class NoShowLimitReached(BookingError):
    """Her no-shows at the clinic reached its limit: she books by phone from now on."""


class AttendanceError(BookingError):
    default_message = "That session can't be marked like this."
