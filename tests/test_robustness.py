"""Every URL of the project against bad ids, other people's objects and garbage input."""

import datetime as dt
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode

from accounts import mfa
from booking.services import book_plan, book_session
from safety.documents import upload_document
from tests.booking.conftest import make_ready_client, next_weekday, slot_at
from tests.conftest import verify_second_factor
from tests.factories import (
    ClinicFactory,
    TherapistFactory,
    TimeOffFactory,
    UserFactory,
    WorkingHoursFactory,
)
from waitlist.models import Offer
from waitlist.services import join_waitlist

ANON, CLIENT, THERAPIST, ADMIN = "anonymous", "client", "therapist", "clinic admin"
ACTORS = (ANON, CLIENT, THERAPIST, ADMIN)
LOGGED_IN = (CLIENT, THERAPIST, ADMIN)
STAFF = (THERAPIST, ADMIN)
NO_SUCH_ID = 987654321


@dataclass(frozen=True)
class Route:
    """What one URL pattern should do.

    ``roles`` may open it (``None``: everyone); an anonymous visitor outside them is sent to
    log in, a logged-in user outside them gets 403. ``public`` objects may be seen by anyone
    allowed (a clinic's page); private ones only by their owner and her clinic's admin, and
    everyone else gets 404. ``status`` is what the owner's GET answers (``None``: any).
    ``kwargs(home, target)`` fills the path: ``home`` gives the containers (the clinic's slug,
    the therapist of a stretch of hours), ``target`` the object itself, so a mixed call asks
    one's own clinic for another clinic's object.
    """

    roles: tuple[str, ...] | None = None
    kwargs: object = None
    public: bool = False
    status: int | None = 200
    # Links with a token show their own "this link is invalid" page rather than a 404.
    missing: int = 404
    # The clinic's shared record (treatment notes): every therapist of the clinic reads it.
    clinic_wide: bool = False


def _slug(home, target):
    return {"slug": target.clinic_slug}


def _booking(home, target):
    return {"pk": target.booking_id}


def _plan(home, target):
    return {"pk": target.plan_id}


def _staff_booking(home, target):
    return {"booking_id": target.booking_id}


def _client(home, target):
    return {"slug": home.clinic_slug, "client_id": target.client_id}


def _desk_booking(home, target):
    return {"slug": home.clinic_slug, "booking_id": target.booking_id}


def _client_booking(home, target):
    return {"booking_id": target.booking_id}


def _entry(home, target):
    return {"pk": target.entry_id}


def _offer(home, target):
    return {"token": target.offer_token}


def _garbage_token(home, target):
    return {"uidb64": target.uidb64, "token": "set-password"}


ROUTES: dict[str, Route] = {
    "home": Route(),
    "healthz": Route(status=None),
    "accounts:home": Route(roles=LOGGED_IN, status=302),
    "accounts:signup": Route(status=None),
    "accounts:login": Route(status=None),
    "accounts:logout": Route(status=None),
    "accounts:password_change": Route(roles=LOGGED_IN),
    "accounts:password_reset": Route(status=None),
    "accounts:password_reset_done": Route(),
    "accounts:password_reset_confirm": Route(
        kwargs=_garbage_token, public=True, status=None, missing=200
    ),
    "accounts:password_reset_complete": Route(),
    "accounts:invite_accept": Route(kwargs=_garbage_token, public=True, status=None, missing=200),
    # Staff's second factor (set up already, so the set-up page sends her to the code).
    "accounts:mfa_setup": Route(roles=STAFF, status=302),
    "accounts:mfa_verify": Route(roles=STAFF),
    "accounts:mfa_recovery_codes": Route(roles=STAFF),
    "accounts:reauthenticate": Route(roles=LOGGED_IN),
    "clinics:dashboard": Route(roles=(ADMIN,)),
    # A signed link is its own authority; an unsigned one finds nothing (tests/booking/
    # test_session_links.py tries real links, tampered ones and other people's).
    "booking:session_link": Route(
        kwargs=lambda h, t: {"token": "not-a-signed-link"}, public=True, status=404
    ),
    "clinics:clinic_home": Route(roles=(ADMIN,), kwargs=_slug),
    "clinics:settings": Route(roles=(ADMIN,), kwargs=_slug),
    "clinics:attention": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": t.clinic_slug, "kind": "holds"}
    ),
    "clinics:therapists": Route(roles=(ADMIN,), kwargs=_slug),
    "clinics:therapist_invite": Route(roles=(ADMIN,), kwargs=_slug),
    "clinics:therapist_edit": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": h.clinic_slug, "pk": t.therapist_id}
    ),
    "booking:therapist": Route(
        kwargs=lambda h, t: {"slug": h.clinic_slug, "therapist_slug": t.therapist_slug},
        public=True,
    ),
    "schedule:my_week": Route(roles=(THERAPIST,)),
    "schedule:week": Route(roles=(ADMIN,), kwargs=_slug),
    "schedule:generate": Route(roles=(ADMIN,), kwargs=_slug),
    "schedule:range": Route(roles=(ADMIN,), kwargs=_slug),
    "schedule:slot": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": h.clinic_slug, "slot_id": t.slot_id}
    ),
    "schedule:hours": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": h.clinic_slug, "therapist_id": t.therapist_id}
    ),
    "schedule:hours_change": Route(
        roles=(ADMIN,),
        kwargs=lambda h, t: {
            "slug": h.clinic_slug,
            "therapist_id": h.therapist_id,
            "hours_id": t.hours_id,
        },
        status=405,
    ),
    "schedule:hours_delete": Route(
        roles=(ADMIN,),
        kwargs=lambda h, t: {
            "slug": h.clinic_slug,
            "therapist_id": h.therapist_id,
            "hours_id": t.hours_id,
        },
        status=405,
    ),
    "schedule:time_off": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": h.clinic_slug, "therapist_id": t.therapist_id}
    ),
    "schedule:time_off_delete": Route(
        roles=(ADMIN,),
        kwargs=lambda h, t: {
            "slug": h.clinic_slug,
            "therapist_id": h.therapist_id,
            "time_off_id": t.time_off_id,
        },
        status=405,
    ),
    "schedule:availability": Route(
        roles=(ADMIN,), kwargs=lambda h, t: {"slug": h.clinic_slug, "therapist_id": t.therapist_id}
    ),
    "booking:clinics": Route(),
    "booking:clinic": Route(kwargs=_slug, public=True),
    # A visitor is asked to log in or sign up on the page itself; staff cannot make plans.
    "booking:plan": Route(roles=(ANON, CLIENT), kwargs=_slug, public=True),
    # Anyone may look at a time; only a client can book it.
    "booking:slot": Route(kwargs=lambda h, t: {"slot_id": t.slot_id}, public=True),
    "booking:my_bookings": Route(roles=(CLIENT,)),
    "booking:my_bookings_ics": Route(roles=(CLIENT,)),
    "booking:booking": Route(roles=(CLIENT,), kwargs=_booking),
    "booking:booking_ics": Route(roles=(CLIENT,), kwargs=_booking),
    "booking:cancel": Route(roles=(CLIENT,), kwargs=_booking),
    "booking:move": Route(roles=(CLIENT,), kwargs=_booking),
    "booking:plan_detail": Route(roles=(CLIENT,), kwargs=_plan),
    "booking:cancel_plan": Route(roles=(CLIENT,), kwargs=_plan),
    "sessions:day": Route(roles=(THERAPIST,)),
    "booking:reminder_preferences": Route(roles=(CLIENT,)),
    "clinics:reminders": Route(roles=(ADMIN,)),
    "waitlist:join": Route(roles=(CLIENT,), kwargs=_slug, public=True),
    "waitlist:mine": Route(roles=(CLIENT,)),
    "waitlist:leave": Route(roles=(CLIENT,), kwargs=_entry, status=405),
    "waitlist:offer": Route(roles=(CLIENT,), kwargs=_offer),
    "waitlist:clinic_day": Route(roles=(ADMIN,), kwargs=_slug),
    # Twilio's webhooks: POST only, and only with Twilio's signature.
    "sms:inbound": Route(status=405),
    "sms:status": Route(status=405),
    "booking:baby_arrived": Route(roles=(CLIENT,)),
    # Her plan runs to her due date, so there are no extra weeks to show: a message, not a 404.
    "booking:extend_plan": Route(roles=(CLIENT,), kwargs=_plan),
    "booking:due_date_changes": Route(roles=(CLIENT,)),
    "safety:profile": Route(roles=(CLIENT,)),
    "safety:intake": Route(roles=(CLIENT,)),
    # Without a red-flag answer there is nothing to say: a redirect to her profile.
    "health:alert": Route(roles=(CLIENT,), status=302),
    "health:documents": Route(roles=(CLIENT,)),
    # Her letter: she and the staff of her clinic (the therapist of her sessions, its admins).
    "health:document_file": Route(
        roles=LOGGED_IN, kwargs=lambda h, t: {"document_id": t.document_id}
    ),
    "privacy:account": Route(roles=(CLIENT,)),
    "privacy:export": Route(roles=(CLIENT,)),
    "privacy:delete_account": Route(roles=(CLIENT,)),
    "sessions:review": Route(roles=STAFF, kwargs=_staff_booking),
    "sessions:baby_arrived": Route(roles=(ADMIN,), kwargs=_staff_booking),
    "sessions:acknowledge": Route(roles=STAFF, kwargs=_staff_booking, status=405),
    "sessions:record_clearance": Route(roles=STAFF, kwargs=_staff_booking, status=405),
    "sessions:client_intake": Route(roles=STAFF, kwargs=_staff_booking),
    "clinics:audit_log": Route(roles=(ADMIN,)),
    # The front desk: a therapist sees her own clients and sessions, an admin the clinic's.
    "frontdesk:home": Route(roles=STAFF, status=302),
    "frontdesk:search": Route(roles=STAFF, kwargs=_slug),
    "frontdesk:new_client": Route(roles=STAFF, kwargs=_slug),
    "frontdesk:client": Route(roles=STAFF, kwargs=_client),
    "frontdesk:book_slot": Route(
        roles=STAFF, kwargs=lambda h, t: {**_client(h, t), "slot_id": t.slot_id}
    ),
    "frontdesk:plan": Route(roles=STAFF, kwargs=_client),
    "frontdesk:clearance": Route(roles=(ADMIN,), kwargs=_client),
    "frontdesk:move": Route(roles=STAFF, kwargs=_desk_booking),
    "frontdesk:cancel": Route(roles=STAFF, kwargs=_desk_booking),
    "frontdesk:cancel_plan": Route(
        roles=STAFF, kwargs=lambda h, t: {"slug": h.clinic_slug, "plan_id": t.plan_id}
    ),
    # Only a caller registered without an e-mail gets one added; everyone here has one.
    "frontdesk:add_email": Route(roles=STAFF, kwargs=_client, status=404),
    "frontdesk:attendance": Route(roles=STAFF, kwargs=_desk_booking, status=405),
    "frontdesk:day": Route(roles=STAFF, kwargs=_slug),
    "frontdesk:unmarked": Route(roles=STAFF, kwargs=_slug),
    "frontdesk:reports": Route(roles=(ADMIN,), kwargs=_slug),
    "care:checkin": Route(roles=(CLIENT,), kwargs=_client_booking),
    "care:checkin_done": Route(roles=(CLIENT,), kwargs=_client_booking),
    "care:session": Route(roles=STAFF, kwargs=_staff_booking),
    "care:door_checkin": Route(roles=STAFF, kwargs=_staff_booking),
    "care:resolve_hold": Route(roles=STAFF, kwargs=_staff_booking, status=405),
    "care:note": Route(roles=STAFF, kwargs=_staff_booking),
    "care:client_progress": Route(roles=STAFF, kwargs=_staff_booking, clinic_wide=True),
}

GARBAGE_QUERIES = [
    {"day": "not-a-date"},
    {"day": "99999-01-01"},
    {"day": "0001-01-01"},
    {"week": "abc"},
    {"week": "99999-01-01"},
    {"week": "0001-01-01"},
    {"therapist": "nope"},
    {"therapist": "99999999999999999999999"},
    {"page": "abc"},
    {"page": "-1"},
    {"starts_on": "32/13/2026", "ends_on": "yesterday", "reason": "<script>x</script>"},
    {"therapist": "nope", "weekdays": ["9", "x"], "local_time": "25:61", "starts_on": "zz"},
    {"next": "https://evil.example/"},
    {"next": "//evil.example/"},
    {"next": "/\\evil.example/"},
    {"next": "javascript:alert(1)"},
    dict.fromkeys(("day", "week", "therapist", "page", "starts_on", "reason", "next"), "\x00"),
]

GARBAGE_POST = {
    "slot": ["abc", "-1"],
    "therapist": "nope",
    "weekdays": ["9", "x"],
    "local_time": "25:61",
    "starts_on": "not-a-date",
    "ends_on": "99999-01-01",
    "due_date": "0000-00-00",
    "reason": "",
    "action": "unblock",
    "confirm": "yes",
    "same_day_reminders": "maybe",
    "session_minutes": "-5",
    "reminder_hours": "x,y",
    "weekday": "12",
    "code": "no-such-rule",
    "issued_on": "soon",
    "next": "https://evil.example/",
}

# Values that pass a naive check (isdigit, a parseable date) and fail further in.
TRICKY_POSTS = [
    {"slot": "²", "therapist": "²", "weekdays": ["²"], "weekday": "²", "hours_id": "²"},
    {
        "slot": "99999999999999999999",
        "therapist": "99999999999999999999",
        "session_minutes": "99999999999999999999",
        "reminder_hours": "99999999999999999999",
        "weekday": "99999999999999999999",
    },
    {
        "due_date": "9999-12-31",
        "last_period_started_on": "0001-01-01",
        "starts_on": "9999-12-31",
        "ends_on": "9999-12-31",
        "issued_on": "0001-01-01",
        "valid_until": "9999-12-31",
        "valid_from": "9999-12-31",
        "local_time": "23:59",
        "starts_at": "23:59",
        "ends_at": "00:00",
    },
    {"reason": "\x00", "phone": "\x00", "email": "a\x00@example.com", "issued_by": "\x00"},
]


def walk(patterns, prefix="", namespace=""):
    """Every named URL pattern below ``patterns``, as (full name, route text)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", route


def make_side(name: str, client_first: str, client_last: str, *, clinic=None, admin=None):
    """A clinic (new, or the one given) with an admin, a therapist with hours and time off,
    and a client who has booked one session and a weekly plan through the services."""
    if clinic is None:
        admin = UserFactory(email=f"admin-{name}@example.com")
        clinic = ClinicFactory(name=f"{name.title()} Clinic", admin=admin)
    therapist = TherapistFactory(clinic=clinic, slug=f"therapist-{name}")
    hours = WorkingHoursFactory(therapist=therapist)
    time_off = TimeOffFactory(therapist=therapist, starts_on=next_weekday(clinic, 4, after_days=30))
    client = make_ready_client(
        first_name=client_first,
        last_name=client_last,
        email=f"{client_first.lower()}.{client_last.lower()}@example.com",
    )
    slot = slot_at(therapist, next_weekday(clinic, 1))
    booking = book_session(client=client, slot=slot)
    letter = upload_document(
        client=client, upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    plan_day = next_weekday(clinic, 3)
    slot_at(therapist, plan_day, dt.time(15))
    plan = book_plan(
        client=client,
        therapist=therapist,
        weekdays=[3],
        local_time=dt.time(15),
        starts_on=plan_day,
        ends_on=plan_day,
    ).plan
    entry = join_waitlist(
        client=client,
        clinic=clinic,
        therapist=None,
        starts_on=clinic.today(),
        ends_on=clinic.today() + dt.timedelta(days=30),
    )
    offer = Offer.objects.create(entry=entry, slot=slot_at(therapist, plan_day, dt.time(17)))
    return SimpleNamespace(
        users={CLIENT: client, THERAPIST: therapist.user, ADMIN: admin},
        client_secrets=[client_first, client_last, client.email],
        admin_email=admin.email,
        clinic=clinic,
        clinic_slug=clinic.slug,
        therapist_id=therapist.pk,
        therapist_slug=therapist.slug,
        slot_id=slot.pk,
        client_id=client.pk,
        booking_id=booking.pk,
        document_id=letter.pk,
        plan_id=plan.pk,
        hours_id=hours.pk,
        time_off_id=time_off.pk,
        uidb64=urlsafe_base64_encode(force_bytes(client.pk)),
        entry_id=entry.pk,
        offer_token=offer.token,
    )


MISSING = SimpleNamespace(
    clinic_slug="no-such-clinic",
    therapist_id=NO_SUCH_ID,
    therapist_slug="no-such-therapist",
    slot_id=NO_SUCH_ID,
    client_id=NO_SUCH_ID,
    booking_id=NO_SUCH_ID,
    document_id=NO_SUCH_ID,
    plan_id=NO_SUCH_ID,
    hours_id=NO_SUCH_ID,
    time_off_id=NO_SUCH_ID,
    uidb64="bm8tc3VjaC11c2Vy",
    entry_id=NO_SUCH_ID,
    offer_token="no-such-offer",
)
# Past the largest id the database can hold.
TOO_BIG = SimpleNamespace(
    **{
        **vars(MISSING),
        **{key: 10**20 for key, value in vars(MISSING).items() if value == NO_SUCH_ID},
    }
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Our clinic, whose people make the requests; a colleague's therapist and client at our
    clinic, whom only our admin may see; and another clinic, whose people nobody of ours may.

    Built once for the module inside a transaction that is rolled back at its end. Each test
    runs in a savepoint of its own (``_each_test_rolled_back``), so what one test's POST
    changes (a cancelled booking, deleted hours) the next never sees.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        ours = make_side("north", "Ottilie", "Ourhouse")
        yield SimpleNamespace(
            ours=ours,
            session_keys=logged_in_session_keys(ours.users),
            colleague=make_side(
                "north-2",
                "Philippa",
                "Nextdoorly",
                clinic=ours.clinic,
                admin=ours.users[ADMIN],
            ),
            theirs=make_side("south", "Zenobia", "Farawayson"),
        )
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _each_test_rolled_back(db):
    """Every test of this module in its own savepoint inside the world's transaction."""


def http_for(world, actor: str) -> Client:
    """A fresh client for each request, logged in with the actor's session of the module.

    Logging in once per request wrote a session row each time; the sessions made with the
    world survive each test's rollback, and a fresh client never carries one request's
    cookies (a logout, a new session) into the next.
    """
    http = Client()
    if actor != ANON:
        http.cookies[settings.SESSION_COOKIE_NAME] = world.session_keys[actor]
    return http


def logged_in_session_keys(users: dict) -> dict[str, str]:
    keys = {}
    for actor, user in users.items():
        http = Client()
        http.force_login(user)
        # Built once for the module, so outside the per-test helper: staff pass their
        # second factor here, as they would after the login.
        if mfa.needs_second_factor(user):
            verify_second_factor(http, user)
        keys[actor] = http.session.session_key
    return keys


def secrets_hidden_from(world, actor: str) -> list[str]:
    """The other clinic's client and admin; and, except to our admin, our colleague's client."""
    hidden = [*world.theirs.client_secrets, world.theirs.admin_email]
    if actor != ADMIN:
        hidden += world.colleague.client_secrets
    return hidden


def check_response(response, *, world, actor: str, label: str, shown=()) -> None:
    """Never a server error, never other people's data (but ``shown``), never a redirect
    off-site."""
    assert response.status_code < 500, f"{label}: server error {response.status_code}"
    body = response.content.decode(errors="replace") if not response.streaming else ""
    for secret in set(secrets_hidden_from(world, actor)) - set(shown):
        assert secret not in body, f"{label}: shows {secret!r}"
    location = response.get("Location", "")
    if location:
        assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), (
            f"{label}: redirects to {location}"
        )


def refused(response, actor: str) -> bool:
    """What a request for something that is not hers gets: a 404, a 403 for the wrong role,
    or, for a visitor, the login page. A view that only takes POST may say 405 to a GET
    before it looks anything up, which shows nothing either."""
    if actor == ANON and response.status_code == 302:
        return response["Location"].startswith(reverse("accounts:login"))
    return response.status_code in (403, 404, 405)


def allowed(route: Route, actor: str) -> bool:
    return route.roles is None or actor in route.roles


def test_every_url_pattern_has_a_row_in_the_table():
    names = {name for name, _ in walk(get_resolver().url_patterns)}
    assert names == set(ROUTES), "add new URLs to ROUTES, and drop removed ones"


def urls_for(name: str, route: Route, world) -> dict[str, str]:
    """The URL for her own object, her colleague's at the same clinic, another clinic's,
    one that does not exist, and her own clinic's path holding another clinic's object."""
    if route.kwargs is None:
        return {"own": reverse(name)}
    ours, theirs = world.ours, world.theirs
    urls = {
        "own": reverse(name, kwargs=route.kwargs(ours, ours)),
        "colleague": reverse(name, kwargs=route.kwargs(ours, world.colleague)),
        "foreign": reverse(name, kwargs=route.kwargs(theirs, theirs)),
        "missing": reverse(name, kwargs=route.kwargs(ours, MISSING)),
        "too big": reverse(name, kwargs=route.kwargs(ours, TOO_BIG)),
    }
    mixed = reverse(name, kwargs=route.kwargs(ours, theirs))
    if mixed != urls["foreign"]:
        urls["mixed"] = mixed
    return {case: url for case, url in urls.items() if case == "own" or url != urls["own"]}


def visible(route: Route, actor: str, case: str) -> bool:
    """Whether ``actor``, allowed on the route, may see the object of ``case``: her own, any
    public one, and for a clinic admin, everything of her clinic."""
    if route.public:
        return case in ("own", "colleague", "foreign")
    if route.clinic_wide and case == "colleague":
        return actor in STAFF
    return case == "own" or (case == "colleague" and actor == ADMIN)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_url_answers_every_caller_without_error_or_leak(name, world):
    route = ROUTES[name]
    urls = urls_for(name, route, world)
    for actor in ACTORS:
        for case, url in urls.items():
            label = f"GET {url} ({case}) as {actor}"
            response = http_for(world, actor).get(url)
            shown = (
                world.colleague.client_secrets if route.clinic_wide and case == "colleague" else ()
            )
            check_response(response, world=world, actor=actor, label=label, shown=shown)
            if not allowed(route, actor):
                assert refused(response, actor), f"{label}: {response.status_code}"
            elif case in ("missing", "too big"):
                expected = 405 if route.status == 405 else route.missing
                assert response.status_code == expected, f"{label}: {response.status_code}"
            elif visible(route, actor, case):
                if route.status is not None:
                    assert response.status_code == route.status, f"{label}: {response.status_code}"
            else:
                assert refused(response, actor), f"{label}: {response.status_code}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_url_survives_garbage_query_parameters(name, world):
    route = ROUTES[name]
    url = urls_for(name, route, world)["own"]
    for actor in (ANON, *LOGGED_IN) if route.roles is None else route.roles:
        for query in GARBAGE_QUERIES:
            response = http_for(world, actor).get(url, query)
            check_response(
                response, world=world, actor=actor, label=f"GET {url} {query} as {actor}"
            )


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_url_survives_empty_and_garbage_posts(name, world):
    route = ROUTES[name]
    urls = urls_for(name, route, world)
    # Foreign and missing objects first, so a successful post on her own object (a cancel,
    # a deleted stretch of hours) cannot hide what the others do.
    for case in sorted(urls, key=lambda case: case == "own"):
        url = urls[case]
        for actor in ACTORS:
            for data in ({}, GARBAGE_POST):
                label = f"POST {url} ({case}) {'garbage' if data else 'empty'} as {actor}"
                response = http_for(world, actor).post(url, data)
                check_response(response, world=world, actor=actor, label=label)
                if not allowed(route, actor):
                    assert refused(response, actor) or response.status_code == 405, label
                elif case in ("missing", "too big"):
                    assert response.status_code in (route.missing, 405), (
                        f"{label}: {response.status_code}"
                    )
                elif not visible(route, actor, case):
                    assert refused(response, actor) or response.status_code == 405, (
                        f"{label}: {response.status_code}"
                    )


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_url_refuses_tricky_values_politely(name, world):
    route = ROUTES[name]
    url = urls_for(name, route, world)["own"]
    for actor in (ANON, *LOGGED_IN) if route.roles is None else route.roles:
        for data in TRICKY_POSTS:
            for method in ("get", "post"):
                response = getattr(http_for(world, actor), method)(url, data)
                check_response(
                    response, world=world, actor=actor, label=f"{method} {url} {data} as {actor}"
                )


# Pages outside every namespace of NO_STORE_URL_NAMESPACES: shown alike to every visitor.
PUBLIC_PAGES = {"home", "healthz"}
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)


def test_every_page_outside_the_private_namespaces_is_named_public():
    private = set(settings.NO_STORE_URL_NAMESPACES)
    outside = {
        name for name, _ in walk(get_resolver().url_patterns) if name.split(":")[0] not in private
    }
    assert outside == PUBLIC_PAGES


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_url_is_never_stored_and_sends_the_content_policy(name, world):
    route = ROUTES[name]
    url = urls_for(name, route, world)["own"]
    for actor in ACTORS:
        response = http_for(world, actor).get(url)
        label = f"GET {url} as {actor}"
        if actor != ANON or name not in PUBLIC_PAGES:
            assert "no-store" in response.get("Cache-Control", ""), label
            assert response.get("Pragma") == "no-cache", label
        assert response["Referrer-Policy"] == "same-origin", label
        if response.get("Content-Type", "").startswith("text/html"):
            policy = dict(
                directive.strip().split(" ", 1)
                for directive in response["Content-Security-Policy"].split(";")
            )
            for source in ("default-src", "script-src", "style-src"):
                assert policy[source] == "'self'", f"{label}: {source} {policy[source]}"
            body = response.content.decode()
            assert not INLINE_CODE.search(body), f"{label}: {INLINE_CODE.search(body)}"
