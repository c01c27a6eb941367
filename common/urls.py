"""URLs for pages that link many rows, and for e-mails sent by the thousand: each URL
reversed once, not once a row."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A stand-in argument, reversed once and replaced by each row's own; digits fit both the
# int and the slug converters.
_MARKER = "987654321"


def url_for_each(name: str, *, key: str = "pk", **fixed) -> Callable[[object], str]:
    """The URL named ``name`` for any value of its ``key`` argument (the others ``fixed``),
    reversing it only once: a busy page links a hundred rows."""
    head, tail = reverse(name, kwargs={**fixed, key: _MARKER}).rsplit(_MARKER, 1)
    return lambda value: f"{head}{value}{tail}"


@functools.lru_cache(maxsize=128)
def _around_marker(name: str, key: str | None, urlconf: str, prefix: str) -> tuple[str, str]:
    if key is None:
        return reverse(name, urlconf=urlconf), ""
    head, tail = reverse(name, urlconf=urlconf, kwargs={key: _MARKER}).rsplit(_MARKER, 1)
    return head, tail


def url_with(name: str, **argument) -> str:
    """``reverse(name, kwargs=argument)`` for a URL with one argument or none, reversed once a
    process (for each URL configuration and script prefix): the outbox's e-mails link the
    same few pages thousands of times. The argument must need no quoting in a path: an id,
    a slug, a signed token."""
    [(key, value)] = argument.items() or [(None, "")]
    head, tail = _around_marker(
        name, key, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    return f"{head}{value}{tail}"
