"""``QuickEmail`` puts a message into exactly the bytes Django's ``EmailMultiAlternatives`` does,
boundaries apart (each message draws its own), without the standard library's generator."""

import re
from email.generator import BytesGenerator
from unittest import mock

from django.core.mail import EmailMultiAlternatives
from hypothesis import given, settings
from hypothesis import strategies as st

from common.mail import QuickEmail

BOUNDARY = re.compile(rb"={15}\d{19}==")
FIXED_DATE = "Wed, 26 Mar 2031 09:15:00 -0000"

# What people and clinics write: any letters, digits, punctuation, symbols and spaces (wide
# and accented ones too), so headers are sometimes plain and short, sometimes long or
# encoded, and bodies sometimes plain ASCII and sometimes not.
words = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=90
)
names = st.text(alphabet=st.one_of(st.characters(categories=["L"]), st.just(" ")), max_size=60)
lines = st.lists(
    st.one_of(
        words,
        st.text(alphabet="abc ", min_size=990, max_size=1010),
        # Line breaks of every kind inside a line, in any order.
        st.text(alphabet="ab\r\n", max_size=12),
    ),
    max_size=6,
)


def as_bytes(cls, *, subject, name, body, html, calendar, linesep, calendar_type="text/calendar"):
    message = cls(
        subject=subject,
        body=body,
        from_email="Bolster <bookings@bolster.example>",
        to=[f"{name.strip()} <maya@example.com>" if name.strip() else "maya@example.com"],
        reply_to=["hello@camden.example"],
        headers={"Message-ID": "<reminder-42@bolster>", "Date": FIXED_DATE},
    )
    message.attach_alternative(html, "text/html")
    message.attach("session.ics", calendar, calendar_type)
    return message.message().as_bytes(linesep=linesep)


@settings(max_examples=300, deadline=None)
@given(
    subject=words,
    name=names,
    body=lines.map("\n".join),
    html=lines.map("<br>\n".join),
    calendar=lines.map("\r\n".join),
    calendar_type=st.sampled_from(
        ["text/calendar", "text/calendar; method=REQUEST", "text/calendar; method=CANCEL"]
    ),
    linesep=st.sampled_from(["\r\n", "\n"]),
)
def test_the_bytes_are_those_of_djangos_message(
    subject, name, body, html, calendar, calendar_type, linesep
):
    parts = {
        "subject": " ".join(subject.split()),
        "name": name,
        "body": body,
        "html": html,
        "calendar": calendar,
        "calendar_type": calendar_type,
        "linesep": linesep,
    }

    with mock.patch.object(BytesGenerator, "flatten", side_effect=AssertionError("generator")):
        quick = as_bytes(QuickEmail, **parts)
    django = as_bytes(EmailMultiAlternatives, **parts)

    assert BOUNDARY.sub(b"BOUNDARY", quick) == BOUNDARY.sub(b"BOUNDARY", django)


def test_each_message_draws_boundaries_of_its_own():
    parts = {"subject": "Reminder", "name": "Maya", "body": "Hello", "html": "<p>Hello</p>"}

    first, second = (
        as_bytes(QuickEmail, calendar="BEGIN:VCALENDAR", linesep="\r\n", **parts) for _ in range(2)
    )

    assert len(set(BOUNDARY.findall(first))) == 2
    assert not set(BOUNDARY.findall(first)) & set(BOUNDARY.findall(second))
