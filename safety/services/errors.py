"""Domain errors of the safety services, each with a message fit to show the user."""

from common.errors import DomainError


class SafetyError(DomainError):
    """A safety operation that cannot go ahead; the message is fit to show the user."""

    default_message = "That change to her health details could not be made."


class ProfileMissing(SafetyError):
    def __init__(self):
        super().__init__("Please tell us your due date before booking.")


class DatingError(SafetyError, ValueError):
    """A session before the pregnancy began (0w0d) by her due date."""


class ClearanceError(SafetyError):
    pass
