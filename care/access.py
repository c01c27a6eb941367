"""Who may see what around a session.

Her check-in answers are health answers like her intake: the session's therapist and the
clinic's admins see them and act on the session. Treatment notes and her progress are the
clinic's professional record: every therapist and admin of that clinic may read them (a
colleague covering a session), nobody at another clinic.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from booking.models import Booking
from booking.services.flags import staff_can_see_booking
from clinics.models import Clinic, Therapist


def is_clinic_staff(user: User, clinic: Clinic) -> bool:
    """Her clinic's therapists and admins; nobody at another clinic."""
    if not user.is_authenticated:
        return False
    if Therapist.objects.filter(user=user, clinic=clinic).exists():
        return True
    return clinic.admins.filter(pk=user.pk).exists()


def _booking(booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related(
            "client__pregnancy_profile", "slot__therapist__clinic", "slot__therapist__user"
        ),
        pk=booking_id,
    )


def booking_for_session_staff(user: User, booking_id: int) -> Booking:
    """The session if ``user`` is its therapist or an admin of its clinic; otherwise a 404."""
    booking = _booking(booking_id)
    if not staff_can_see_booking(user, booking):
        raise Http404("No such session.")
    return booking


def booking_for_clinic_staff(user: User, booking_id: int) -> Booking:
    """The session if ``user`` works at its clinic; any other session is a 404."""
    booking = _booking(booking_id)
    if not is_clinic_staff(user, booking.slot.therapist.clinic):
        raise Http404("No such session.")
    return booking
