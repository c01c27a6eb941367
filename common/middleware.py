"""Response headers that keep private pages out of caches and the browser's back button."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every private page.

    A page is private when its URL lies in one of ``NO_STORE_URL_NAMESPACES`` (every area of
    logged-in pages and of health data), or when it is answered to a logged-in person (even a
    public page then shows her name). A shared family tablet's back button or a proxy must
    not show her answers to the next person, so nothing private is stored anywhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.namespaces = frozenset(settings.NO_STORE_URL_NAMESPACES)

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_private(request):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
            response.headers["Pragma"] = "no-cache"
        return response

    def is_private(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        match = getattr(request, "resolver_match", None)
        return bool(match and self.namespaces.intersection(match.namespaces))
