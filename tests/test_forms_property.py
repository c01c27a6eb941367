"""Every form of the project, found by walking the URL table, gets generated values.

For each URL pattern, the page is opened by someone allowed to see it, its POST forms are
read from the HTML, and Hypothesis fills every field with ordinary and hostile values:
null bytes, unicode look-alikes, text far over any length limit, numbers past the
database's columns, dates from year 1 to 9999, tampered hidden fields and choices. Whatever
is sent, the answer is never a server error, and a form shown again says why and keeps
what was typed.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_robustness
from tests.test_robustness import ANON, ROUTES, http_for, urls_for

# The robustness walk's people and objects, built once for this module too.
world = test_robustness.world

TEXT_TYPES = {"text", "email", "tel", "search", "url", "textarea"}
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "a" * 300 + "@example.com",
    "\uff21na@Example.com",
    " ANA@X.COM ",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "\u202eevil",
    "١٢٣",
    "²",
    "99999999999999999999",
    "-1",
    "0",
    "",
    "next=x",
]
# How a refusal shows: crispy-forms' field and form errors, or a message at the top.
ERROR_SHOWN = re.compile(r"invalid-feedback|alert-danger|alert-warning|errorlist|alert-info")
HOSTILE_DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "99999-01-01", "0000-00-00", "today"]
HOSTILE_TIMES = ["24:00", "23:59:60", "25:61", "00:00", "noon"]
HOSTILE_NUMBERS = ["99999999999999999999", "-99999999999999999999", "1e400", "NaN", "²", "1.5"]


@dataclass
class Field:
    kind: str
    name: str
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The POST forms of a page, with each field's kind, current value and choices."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.form = Form(action=attrs.get("action") or "")
            self.forms.append(self.form)
        if self.form is None or not attrs.get("name"):
            if tag == "option" and self.select is not None:
                self.select.options.append(attrs.get("value") or "")
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            existing = self.form.fields.get(name)
            if kind in ("radio", "checkbox") and existing is not None:
                existing.options.append(attrs.get("value") or "on")
                return
            self.form.fields[name] = Field(
                kind, name, attrs.get("value") or "", [attrs.get("value") or "on"]
            )
        elif tag == "textarea":
            self.form.fields[name] = Field("textarea", name)
        elif tag == "select":
            self.select = Field("select", name)
            self.form.fields[name] = self.select

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def post_forms(page: str) -> list[Form]:
    reader = FormReader()
    reader.feed(page)
    return [form for form in reader.forms if form.fields]


def value_for(one: Field):
    """A strategy for what a person (or an attacker) might send in this field."""
    if one.kind in ("submit", "button", "file", "image", "reset"):
        return st.none()
    if one.kind == "hidden":
        if one.name == "csrfmiddlewaretoken":
            return st.just(one.value)
        return st.one_of(st.just(one.value), st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
    if one.kind in ("checkbox", "radio"):
        return st.one_of(
            st.none(), st.sampled_from(one.options), st.lists(st.sampled_from(one.options))
        )
    if one.kind == "select":
        choices = [option for option in one.options if option] or [""]
        return st.one_of(st.sampled_from(choices), st.sampled_from(HOSTILE_TEXT))
    if one.kind == "date":
        return st.one_of(
            st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
            st.sampled_from(HOSTILE_DATES),
        )
    if one.kind == "time":
        return st.one_of(
            st.times().map(lambda t: t.strftime("%H:%M")), st.sampled_from(HOSTILE_TIMES)
        )
    if one.kind == "number":
        return st.one_of(st.integers(-(10**20), 10**20).map(str), st.sampled_from(HOSTILE_NUMBERS))
    return st.one_of(st.text(max_size=200), st.sampled_from(HOSTILE_TEXT))


def form_data(form: Form):
    strategies = {name: value_for(one) for name, one in form.fields.items()}
    return st.fixed_dictionaries(strategies).map(
        lambda data: {name: value for name, value in data.items() if value is not None}
    )


def typed_text(form: Form, data: dict) -> dict[str, str]:
    """The free text she typed: what a form shown again must still hold (without the
    whitespace around it, which Django's text fields trim)."""
    return {
        name: value.strip()
        for name, value in data.items()
        if form.fields[name].kind in TEXT_TYPES and isinstance(value, str) and value.strip()
    }


def forms_of(name: str, world) -> tuple[str, object, list[Form]]:
    """The first allowed person's page of ``name`` (her own objects), and its POST forms."""
    route = ROUTES[name]
    actor = route.roles[0] if route.roles else ANON
    url = urls_for(name, route, world)["own"]
    response = http_for(world, actor).get(url)
    if response.status_code != 200 or response.streaming:
        return url, actor, []
    return url, actor, post_forms(response.content.decode())


def check_form(world, actor: str, target: str, form: Form) -> None:
    """Post generated values to one form: never a 5xx; shown again, it keeps her text."""

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=form_data(form))
    def posts_safely(data):
        response = http_for(world, actor).post(target, data)
        label = f"POST {target} as {actor} with {data!r:.300}"
        assert response.status_code < 500, label
        if response.status_code != 200 or response.streaming:
            return
        page = response.content.decode()
        if not any(set(form.fields) <= set(shown.fields) for shown in post_forms(page)):
            return
        assert ERROR_SHOWN.search(page), f"{label}: refused without a message"
        for field_name, value in typed_text(form, data).items():
            assert escape(value) in page or value in unescape(page), (
                f"{label}: {field_name!r} lost what was typed"
            )

    posts_safely()


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_form_survives_generated_values_and_keeps_them(name, world, db):
    url, actor, forms = forms_of(name, world)
    if not forms:
        pytest.skip("no form on this page")
    for form in forms:
        check_form(world, actor, form.action or url, form)
