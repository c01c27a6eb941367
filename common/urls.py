"""URLs for pages that link many rows: one reverse() a page, not one a row."""

from collections.abc import Callable

from django.urls import reverse

# A stand-in argument, reversed once and replaced by each row's own; digits fit both the
# int and the slug converters.
_MARKER = "987654321"


def url_for_each(name: str, *, key: str = "pk", **fixed) -> Callable[[object], str]:
    """The URL named ``name`` for any value of its ``key`` argument (the others ``fixed``),
    reversing it only once: a busy page links a hundred rows."""
    head, tail = reverse(name, kwargs={**fixed, key: _MARKER}).rsplit(_MARKER, 1)
    return lambda value: f"{head}{value}{tail}"
