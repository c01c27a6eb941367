"""Domain errors of check-ins, holds and notes; each message is fit to show the user."""


class CareError(Exception):
    """A check-in, hold or note operation that cannot go ahead."""


class CheckInClosed(CareError):
    pass


class SessionOnHold(CareError):
    def __init__(self):
        super().__init__(
            "This session is on hold after a red-flag answer at check-in. Record what happened "
            "(cleared by her midwife or doctor, or cancelled) before it can start."
        )


class HoldError(CareError):
    pass


class NoteError(CareError):
    """``errors`` maps a form field (or ``None``) to its message, for the form to show."""

    def __init__(self, message: str, errors: dict[str | None, str] | None = None):
        super().__init__(message)
        self.errors = errors or {None: message}
