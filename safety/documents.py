"""Her doctors' and midwives' letters: upload, who may open them, and removing them.

The files live in the private storage (settings ``STORAGES["private"]``), which has no URL:
the only way to read one is ``booking.services.letters.open_document`` through the authorised
view (who may open a letter depends on her bookings), and every upload and every opening is
written to the audit trail.
"""

import base64
import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from clinics.models import Clinic
from safety.models import AuditEntry, ClearanceDocument
from safety.services import SafetyError, log_audit

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"
ACCEPTED = {PDF: "PDF", JPEG: "photo (JPEG)", PNG: "image (PNG)", HEIC: "photo (HEIC)"}
# Brands of the ISO media file a phone camera writes for HEIC/HEIF photos.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"}


class DocumentRejected(SafetyError):
    """An upload we do not keep; the message says what to send instead."""


def sniff_content_type(head: bytes) -> str | None:
    """The file's type from its first bytes, whatever its name or the browser claims."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIC
    return None


def max_megabytes() -> int:
    return settings.CLEARANCE_DOCUMENT_MAX_BYTES // (1024 * 1024)


def check_upload(upload: UploadedFile) -> str:
    """The sniffed content type of an acceptable upload; otherwise ``DocumentRejected``."""
    if upload.size == 0:
        raise DocumentRejected("That file is empty. Please choose the photo or PDF again.")
    if upload.size > settings.CLEARANCE_DOCUMENT_MAX_BYTES:
        raise DocumentRejected(
            f"That file is larger than {max_megabytes()} MB. Please send a smaller photo "
            "(most phones can share a photo at a smaller size) or a PDF."
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise DocumentRejected(
            "We can only take a photo (JPEG, PNG or HEIC) or a PDF of the letter. "
            "That file is neither."
        )
    return content_type


def upload_document(*, client: User, upload: UploadedFile) -> ClearanceDocument:
    """Keep her letter in private storage and record that she sent it.

    The file is written first; if the row cannot be written the file is removed again, so a
    failed upload leaves nothing behind.
    """
    content_type = check_upload(upload)
    document = ClearanceDocument(
        client=client,
        content_type=content_type,
        size=upload.size,
        original_name=(upload.name or "")[:200],
    )
    document.file.save(upload.name or "letter", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
            log_audit(
                actor=client,
                client=client,
                action=AuditEntry.Action.UPLOADED_DOCUMENT,
                detail=f"{ACCEPTED[content_type]}, {document.size} bytes",
            )
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def clinics_of(client: User) -> QuerySet[Clinic]:
    """The clinics she has booked with: the only ones whose staff may see her letters."""
    return Clinic.objects.filter(therapists__slots__bookings__client=client).distinct()


def documents_of(client: User) -> QuerySet[ClearanceDocument]:
    return ClearanceDocument.objects.filter(client=client).prefetch_related("clearances")


def delete_documents(*, client: User) -> int:
    """Remove her letters: the rows now, the files once the deletion has committed."""
    documents = list(ClearanceDocument.objects.filter(client=client))
    files = [document.file for document in documents]
    ClearanceDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()

    def remove_files():
        for stored in files:
            try:
                stored.delete(save=False)
            except OSError:
                # Already gone: nothing of hers is left behind either way.
                logger.warning("Letter file %s was already missing", stored.name)

    transaction.on_commit(remove_files)
    return len(documents)


def export_entry(document: ClearanceDocument) -> dict:
    """Her letter in her data export: what it is, and the file itself (base64)."""
    with document.file.open("rb") as handle:
        content = base64.b64encode(handle.read()).decode()
    return {
        "uploaded_at": document.uploaded_at,
        "file_name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "verified_as_clearance": [clearance.code for clearance in document.clearances.all()],
        "content_base64": content,
    }
