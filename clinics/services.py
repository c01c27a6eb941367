"""Operations on clinics: bringing a therapist on board."""

from django.db import transaction
from django.utils.text import slugify

from accounts.models import User, normalise_email
from accounts.services import invite_staff
from clinics.models import Clinic, Therapist
from common.errors import DomainError


class ClinicError(DomainError):
    """Base class: ``str(error)`` is a sentence the clinic admin can read."""


class AlreadyATherapist(ClinicError):
    default_message = "This person is already a therapist on Bolster."


class ClientAccount(ClinicError):
    default_message = (
        "This e-mail belongs to a client's account, which can't become a therapist. "
        "Please invite her with another e-mail address."
    )


def unique_therapist_slug(*, clinic: Clinic, name: str) -> str:
    base = slugify(name)[:70] or "therapist"
    taken = set(
        Therapist.objects.filter(clinic=clinic, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def invite_therapist(
    *,
    clinic: Clinic,
    email: str,
    first_name: str,
    last_name: str,
    invited_by: User,
    display_name: str = "",
    bio: str = "",
    certification_name: str = "",
    certification_year: int | None = None,
) -> Therapist:
    """Create her account (or reuse it), make her a therapist of ``clinic`` and e-mail her.

    The invitation leaves only once the therapist row is committed.
    """
    # One invitation at a time per clinic: a double-clicked form's second copy waits here,
    # then finds the therapist the first one made.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).exists()
    email = normalise_email(email)
    existing_therapist = Therapist.objects.filter(user__email__iexact=email).first()
    if existing_therapist is not None and existing_therapist.clinic_id == clinic.pk:
        raise AlreadyATherapist(
            f"{existing_therapist.display_name} is already a therapist here: her invitation "
            "was sent when she was added."
        )
    if existing_therapist is not None:
        raise AlreadyATherapist()
    existing = User.objects.filter(email__iexact=email).first()
    # Her bookings and health answers belong to her as a client: becoming staff would lock
    # her out of them and put her account in the clinic's hands.
    if existing is not None and existing.role == User.Role.CLIENT:
        raise ClientAccount()
    user = invite_staff(
        email=email,
        first_name=first_name,
        last_name=last_name,
        invited_by=invited_by,
        clinic_name=clinic.name,
    )
    display_name = display_name.strip() or f"{first_name} {last_name}".strip()
    return Therapist.objects.create(
        user=user,
        clinic=clinic,
        display_name=display_name,
        slug=unique_therapist_slug(clinic=clinic, name=display_name),
        bio=bio,
        certification_name=certification_name,
        certification_year=certification_year,
    )
