"""The base of every domain error: an operation that cannot go ahead, said for the user."""


class DomainError(Exception):
    """Raised by a service; ``str(error)`` is a sentence the person who asked can read."""

    default_message = "That change could not be made."

    def __init__(self, message: str = ""):
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)
