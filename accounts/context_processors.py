"""Template context shared by every page: her role, and the header's links for it."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

# The header menu of each role, in order. Every page shows it, so the links are reversed
# once per process (and script prefix), not once per page.
MENUS = {
    "client": [
        ("My bookings", "booking:my_bookings"),
        ("Book a session", "booking:clinics"),
        ("My pregnancy & health", "safety:profile"),
        ("Reminders", "booking:reminder_preferences"),
        ("Account & data", "privacy:account"),
    ],
    "therapist": [
        ("My sessions", "sessions:day"),
        ("My week", "schedule:my_week"),
        ("Front desk", "frontdesk:home"),
    ],
    "clinic_admin": [
        ("Clinic dashboard", "clinics:dashboard"),
        ("Front desk", "frontdesk:home"),
    ],
    "operator": [("Administration", "admin:index")],
}
SITE_LINKS = {
    "home": "home",
    "login": "accounts:login",
    "signup": "accounts:signup",
    "logout": "accounts:logout",
    "password_change": "accounts:password_change",
    "recovery_codes": "accounts:mfa_recovery_codes",
}


@functools.cache
def menu_links(role: str | None, script_prefix: str) -> list[tuple[str, str]]:
    links = list(MENUS.get(role, []))
    links.append(("Change password", "accounts:password_change"))
    if role != "client":
        links.append(("Recovery codes", "accounts:mfa_recovery_codes"))
    return [(label, reverse(name)) for label, name in links]


@functools.cache
def site_links(script_prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in SITE_LINKS.items()}


def role(request):
    user = getattr(request, "user", None)
    user_role = user.role if user is not None and user.is_authenticated else None
    prefix = get_script_prefix()
    return {
        "user_role": user_role,
        "site_url": settings.SITE_URL,
        "site_links": site_links(prefix),
        "menu_links": menu_links(user_role, prefix) if user_role else [],
    }
