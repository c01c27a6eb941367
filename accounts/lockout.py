"""Who a login attempt is counted against: the normalised e-mail and the real client address.

django-axes counts failures under these (``AXES_USERNAME_CALLABLE``,
``AXES_CLIENT_IP_CALLABLE``), and the access audit records the same address.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings

from accounts.models import normalise_email

# The address of the request being answered, for the audit trail's rows (set by
# accounts.sessions.SessionGuardMiddleware; empty outside a request, e.g. in a worker).
_request_address: ContextVar[str] = ContextVar("request_address", default="")

# The lock-out tables' column is this wide; longer input is refused by the forms anyway.
USERNAME_MAX_LENGTH = 255


def attempted_email(request, credentials: dict | None) -> str:
    """The e-mail a login attempt was for, in the one spelling accounts use."""
    typed = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if typed is None and request is not None:
        typed = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    return normalise_email(str(typed or ""))[:USERNAME_MAX_LENGTH]


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of the person, not of our own reverse proxies.

    Behind ``TRUSTED_PROXY_COUNT`` proxies, each appends the address it received the
    request from to ``X-Forwarded-For``, so the person's address is that many entries from
    the right; anything further left was written by the sender and may be forged. The header
    is read only when the request came from a trusted proxy (``TRUSTED_PROXY_IPS``, or any
    peer when that list is empty): sent straight to the app it is ignored.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or (settings.TRUSTED_PROXY_IPS and peer not in settings.TRUSTED_PROXY_IPS):
        return peer
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return peer
    return _valid_ip(hops[-count]) or peer


def request_address() -> str:
    """The client address of the request in progress, or ``""``."""
    return _request_address.get()


class RequestAddress:
    """``with RequestAddress(request):`` makes ``request_address()`` answer for it."""

    def __init__(self, request):
        self.address = client_ip(request)

    def __enter__(self):
        self.token = _request_address.set(self.address)
        return self

    def __exit__(self, *exc_info):
        _request_address.reset(self.token)
