"""Template context shared by every page."""

from django.conf import settings


def role(request):
    user = getattr(request, "user", None)
    return {
        "user_role": user.role if user is not None and user.is_authenticated else None,
        "site_url": settings.SITE_URL,
    }
