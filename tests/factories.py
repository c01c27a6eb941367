"""factory_boy factories for every model the tests build."""

import datetime as dt

import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from booking.models import Booking, Slot
from clinics.models import Clinic, Therapist, TimeOff, WorkingHours
from safety.models import IntakeResponse, PregnancyProfile

DEFAULT_PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    address = "1 High Street\nLondon\nN1 1AA"
    phone = "+44 20 7946 0000"
    email = factory.LazyAttribute(lambda o: f"hello@{o.slug}.example")
    time_zone = "Europe/London"

    @factory.post_generation
    def admin(obj, create, extracted, **kwargs):
        """``ClinicFactory(admin=user)`` makes ``user`` an admin of the clinic."""
        if create and extracted:
            obj.admins.add(extracted)


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    display_name = factory.LazyAttribute(lambda o: f"{o.user.first_name} {o.user.last_name}")
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    bio = "Prenatal massage therapist."
    certification_name = "Certified Prenatal Massage Therapist"
    certification_year = 2019


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    starts_at = dt.time(9, 0)
    ends_at = dt.time(13, 0)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    therapist = factory.SubFactory(TherapistFactory)
    starts_at = factory.Sequence(
        lambda n: (timezone.now() + dt.timedelta(days=1, hours=2 * n)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))


class PregnancyProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PregnancyProfile

    client = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(weeks=20))
    phone = "+44 7400 900000"
    emergency_contact_name = "Sam Partner"
    emergency_contact_phone = "+44 7400 900001"


class IntakeResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeResponse

    client = factory.SubFactory(UserFactory)
    conditions = factory.LazyFunction(list)
    notes = factory.LazyFunction(dict)
    consent_given_at = factory.LazyFunction(timezone.now)


class BookingFactory(factory.django.DjangoModelFactory):
    """A booked session written directly, bypassing the services (for read-side tests)."""

    class Meta:
        model = Booking

    client = factory.SubFactory(UserFactory)
    slot = factory.SubFactory(SlotFactory)
    starts_at = factory.LazyAttribute(lambda o: o.slot.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.slot.ends_at)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    therapist = factory.SubFactory(TherapistFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=2))
    reason = "Holiday"
