"""Demo data for `seed_demo`: two clinics in different time zones, their people and hours.

Everything is keyed by e-mail or slug and written with update_or_create, so running it
again changes nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Booking, Slot
from booking.services.bookings import create_booking, lock_slot
from booking.services.slots import generate_slots, horizon_end
from clinics.models import Clinic, Therapist, WorkingHours
from safety.models import IntakeResponse, PregnancyProfile

DEMO_PASSWORD = "bolster-demo-2026"

CLINICS = [
    {
        "slug": "camden-bump-clinic",
        "name": "Camden Bump Clinic",
        "address": "12 Parkway\nLondon\nNW1 7AA",
        "phone": "+44 20 7946 0123",
        "email": "hello@camden.bolster.example",
        "time_zone": "Europe/London",
    },
    {
        "slug": "brooklyn-prenatal-studio",
        "name": "Brooklyn Prenatal Studio",
        "address": "210 Court Street\nBrooklyn, NY 11201",
        "phone": "+1 718 555 0142",
        "email": "hello@brooklyn.bolster.example",
        "time_zone": "America/New_York",
        "emergency_number": "911",
    },
]

MORNING = (dt.time(9, 0), dt.time(13, 0))
AFTERNOON = (dt.time(14, 0), dt.time(18, 0))


@dataclass(frozen=True)
class DemoTherapist:
    clinic_slug: str
    email: str
    first_name: str
    last_name: str
    slug: str
    bio: str
    hours: dict[int, list[tuple[dt.time, dt.time]]]


THERAPISTS = [
    DemoTherapist(
        "camden-bump-clinic",
        "rosa@bolster.example",
        "Rosa",
        "Lind",
        "rosa-lind",
        "Twelve years of pregnancy massage; sciatica and pelvic girdle pain are her focus.",
        {0: [MORNING, AFTERNOON], 2: [MORNING, AFTERNOON], 4: [MORNING]},
    ),
    DemoTherapist(
        "camden-bump-clinic",
        "amira@bolster.example",
        "Amira",
        "Haddad",
        "amira-haddad",
        "Former midwifery assistant, trained in side-lying prenatal massage.",
        {1: [MORNING, AFTERNOON], 3: [MORNING, AFTERNOON], 5: [MORNING]},
    ),
    DemoTherapist(
        "brooklyn-prenatal-studio",
        "jenna@bolster.example",
        "Jenna",
        "Ortiz",
        "jenna-ortiz",
        "Licensed massage therapist with a prenatal and postpartum certification.",
        {0: [AFTERNOON], 1: [MORNING, AFTERNOON], 3: [MORNING, AFTERNOON]},
    ),
    DemoTherapist(
        "brooklyn-prenatal-studio",
        "keiko@bolster.example",
        "Keiko",
        "Sato",
        "keiko-sato",
        "Gentle, slow work for low back pain and sciatica in the third trimester.",
        {2: [MORNING, AFTERNOON], 4: [MORNING, AFTERNOON], 5: [MORNING]},
    ),
]

ADMINS = [
    ("camden-bump-clinic", "admin.camden@bolster.example", "Priya", "Shah"),
    ("brooklyn-prenatal-studio", "admin.brooklyn@bolster.example", "Dana", "Miller"),
]

CLIENT_EMAIL = "maya@bolster.example"
OPERATOR_EMAIL = "operator@bolster.example"


def demo_user(email: str, first_name: str, last_name: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed_clinics() -> dict[str, Clinic]:
    clinics = {}
    for fields in CLINICS:
        clinic, _ = Clinic.objects.update_or_create(slug=fields["slug"], defaults=fields)
        clinics[clinic.slug] = clinic
    for clinic_slug, email, first_name, last_name in ADMINS:
        clinics[clinic_slug].admins.add(demo_user(email, first_name, last_name))
    return clinics


def seed_therapists(clinics: dict[str, Clinic]) -> list[Therapist]:
    therapists = []
    for demo in THERAPISTS:
        user = demo_user(demo.email, demo.first_name, demo.last_name)
        therapist, _ = Therapist.objects.update_or_create(
            user=user,
            defaults={
                "clinic": clinics[demo.clinic_slug],
                "display_name": f"{demo.first_name} {demo.last_name}",
                "slug": demo.slug,
                "bio": demo.bio,
                "certification_name": "Certified Prenatal Massage Therapist",
                "certification_year": 2018,
            },
        )
        for weekday, stretches in demo.hours.items():
            for starts_at, ends_at in stretches:
                WorkingHours.objects.get_or_create(
                    therapist=therapist, weekday=weekday, starts_at=starts_at, ends_at=ends_at
                )
        therapists.append(therapist)
    return therapists


def seed_slots(therapists: list[Therapist]) -> None:
    """Slots up to each clinic's booking horizon; slot generation never repeats a slot."""

    for therapist in therapists:
        today = therapist.clinic.today()
        generate_slots(
            therapist=therapist, start=today, end=horizon_end(therapist=therapist, today=today)
        )


def seed_people() -> None:
    demo_user(CLIENT_EMAIL, "Maya", "Okafor")
    demo_user(OPERATOR_EMAIL, "Olu", "Operator", is_staff=True, is_superuser=True)


def seed_client_health() -> None:
    """Maya's due date (about 22 weeks from today when first seeded) and her health answers.

    Written only when missing, so re-running keeps her dates and answers as they are.
    """
    maya = User.objects.get(email=CLIENT_EMAIL)
    PregnancyProfile.objects.get_or_create(
        client=maya,
        defaults={
            "due_date": timezone.localdate() + dt.timedelta(weeks=22),
            "phone": "+44 7400 900456",
            "emergency_contact_name": "Tunde Okafor",
            "emergency_contact_phone": "+44 7400 900457",
        },
    )
    if not maya.intake_responses.exists():
        IntakeResponse.objects.create(
            client=maya,
            conditions=["sciatica", "varicose_veins"],
            notes={"sciatica": "Right side, worse after sitting."},
            consent_given_at=timezone.now(),
        )


def seed_client_bookings() -> None:
    """Two upcoming sessions for Maya, one with each Camden therapist, made once.

    Written through the booking service's own steps (locked slot, flags, reminders) but
    without the confirmation e-mail; skipped when she already has bookings or no slots exist.
    """
    maya = User.objects.get(email=CLIENT_EMAIL)
    if Booking.objects.filter(client=maya).exists():
        return
    earliest = timezone.now() + dt.timedelta(days=3)
    for therapist_slug, weeks_ahead in (("rosa-lind", 0), ("amira-haddad", 1)):
        slot = (
            Slot.objects.free()
            .filter(
                therapist__slug=therapist_slug,
                therapist__clinic__slug="camden-bump-clinic",
                starts_at__gte=earliest + dt.timedelta(weeks=weeks_ahead),
            )
            .order_by("starts_at")
            .first()
        )
        if slot is not None:
            create_booking(client=maya, slot=lock_slot(slot.pk))


@transaction.atomic
def seed_demo() -> None:
    clinics = seed_clinics()
    seed_slots(seed_therapists(clinics))
    seed_people()
    seed_client_health()
    seed_client_bookings()
