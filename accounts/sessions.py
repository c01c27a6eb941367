"""How long a login lasts: staff time out, clients confirm their password for health pages.

A staff member's login ends after ``STAFF_SESSION_IDLE_SECONDS`` without a page and after
``STAFF_SESSION_MAX_SECONDS`` in all, and shows no staff page before her second factor. A
client stays logged in (``SESSION_COOKIE_AGE``) but types her password again to see her
health pages once ``CLIENT_HEALTH_REAUTH_SECONDS`` have passed since she last did.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from accounts import mfa
from accounts.lockout import RequestAddress
from accounts.models import User

AUTHENTICATED_AT = "bolster_authenticated_at"
SEEN_AT = "bolster_seen_at"
# A page within a minute of the last one does not write the session again.
SEEN_AT_RESOLUTION = 60


def now() -> int:
    return int(time.time())


def record_login(sender, request, user, **kwargs) -> None:
    """On every login (``user_logged_in``): when it happened, and a staff cookie's lifetime."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[AUTHENTICATED_AT] = request.session[SEEN_AT] = now()
    if mfa.needs_second_factor(user):
        request.session.set_expiry(settings.STAFF_SESSION_MAX_SECONDS)


def record_password_confirmed(request) -> None:
    request.session[AUTHENTICATED_AT] = now()


def _with_next(url_name: str, request) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()}, safe='/')}"


class SessionGuardMiddleware:
    """Applies the rules above by URL namespace, after the view is known; and notes the
    client's address for the audit trail while the request is answered."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.staff_areas = frozenset(settings.STAFF_URL_NAMESPACES)
        self.health_areas = frozenset(settings.CLIENT_HEALTH_URL_NAMESPACES)

    def __call__(self, request):
        # Audit rows written while answering carry the person's address.
        with RequestAddress(request):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.resolver_match is None:
            return None
        areas = set(request.resolver_match.namespaces)
        if areas & self.staff_areas and mfa.needs_second_factor(user):
            return self.guard_staff(request)
        if areas & self.health_areas and user.role == User.Role.CLIENT:
            return self.guard_client(request)
        return None

    def guard_staff(self, request):
        session, moment = request.session, now()
        idle = moment - session.get(SEEN_AT, 0)
        age = moment - session.get(AUTHENTICATED_AT, 0)
        if idle > settings.STAFF_SESSION_IDLE_SECONDS or age > settings.STAFF_SESSION_MAX_SECONDS:
            logout(request)
            messages.info(
                request,
                "For your clients' privacy you were logged out after a while without "
                "activity. Please log in again.",
            )
            return redirect_to_login(request.get_full_path())
        if idle >= SEEN_AT_RESOLUTION:
            session[SEEN_AT] = moment
        if not mfa.is_verified(request):
            if mfa.has_second_factor(request.user):
                return redirect(_with_next("accounts:mfa_verify", request))
            return redirect(_with_next("accounts:mfa_setup", request))
        return None

    def guard_client(self, request):
        age = now() - request.session.get(AUTHENTICATED_AT, 0)
        if age > settings.CLIENT_HEALTH_REAUTH_SECONDS:
            return redirect(_with_next("accounts:reauthenticate", request))
        return None
