"""Where to send her after a form: the ``next`` she came with, if it stays on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request) -> str | None:
    """The request's ``next`` (POST first, then GET) if it is on this host, else ``None``.

    Django's own check: a prefix test lets "/\\evil.example" through, which browsers read
    as another site. Only a path from the site's root is taken: a bare word such as "x"
    would otherwise be read by ``redirect`` as a URL name that does not exist.
    """
    next_url = request.POST.get("next") or request.GET.get("next")
    if (
        next_url
        and next_url.startswith("/")
        and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return next_url
    return None
