"""Who may see a session's check-in, notes and her progress: the staff of its clinic."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from booking.models import Booking
from clinics.models import Clinic, Therapist


def is_clinic_staff(user: User, clinic: Clinic) -> bool:
    """Her clinic's therapists and admins; nobody at another clinic."""
    if not user.is_authenticated:
        return False
    if Therapist.objects.filter(user=user, clinic=clinic).exists():
        return True
    return clinic.admins.filter(pk=user.pk).exists()


def booking_for_clinic_staff(user: User, booking_id: int) -> Booking:
    """The session if ``user`` works at its clinic; any other session is a 404."""
    booking = get_object_or_404(
        Booking.objects.select_related(
            "client__pregnancy_profile", "slot__therapist__clinic", "slot__therapist__user"
        ),
        pk=booking_id,
    )
    if not is_clinic_staff(user, booking.slot.therapist.clinic):
        raise Http404("No such session.")
    return booking
