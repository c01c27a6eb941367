"""The interface every text-message backend implements."""

import uuid


class BaseSmsBackend:
    def open(self) -> None:
        """Connect to the provider, if the backend has a connection at all."""

    def close(self) -> None:
        """Let go of the connection."""

    def send(self, message) -> str:
        """Hand ``message`` to the provider; return its id for the message, or raise."""
        raise NotImplementedError

    @staticmethod
    def local_id() -> str:
        return f"local-{uuid.uuid4().hex}"
