"""Who may open her doctors' letters, and opening one: she herself, and the staff of the
clinics she booked with. Here rather than in ``safety.documents`` because it depends on her
bookings."""

from django.db.models import Q

from accounts.models import User
from booking.models import Booking
from clinics.models import Clinic
from safety.models import AuditEntry, ClearanceDocument
from safety.services import log_audit


def can_open(user: User, document: ClearanceDocument) -> bool:
    """She herself, a therapist of one of her sessions, or an admin of a clinic she booked."""
    if not user.is_authenticated:
        return False
    if document.client_id == user.pk:
        return True
    return Booking.objects.filter(
        Q(slot__therapist__user=user) | Q(slot__therapist__clinic__admins=user),
        client_id=document.client_id,
    ).exists()


def open_document(*, document: ClearanceDocument, viewer: User):
    """The stored file, opened for reading; the opening is audited."""
    clinic = None
    if viewer.pk != document.client_id:
        clinic = (
            Clinic.objects.filter(
                Q(therapists__user=viewer) | Q(admins=viewer),
                therapists__slots__bookings__client_id=document.client_id,
            )
            .distinct()
            .first()
        )
    log_audit(
        actor=viewer,
        client=document.client,
        clinic=clinic,
        action=AuditEntry.Action.VIEWED_DOCUMENT,
        detail=f"Letter uploaded {document.uploaded_at:%Y-%m-%d}",
    )
    return document.file.open("rb")
