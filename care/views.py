"""Her check-in; the therapist's session care page, door check-in, hold outcome, notes, progress.

Thin views: forms validate, ``care.services`` change state, ``care.queries`` read.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ClientRequiredMixin, StaffRequiredMixin
from booking.models import Booking
from care import queries, services
from care.access import booking_for_clinic_staff, booking_for_session_staff
from care.chart import progress_chart
from care.errors import CareError, NoteError
from care.forms import CheckInForm, HoldOutcomeForm, TreatmentNoteForm
from care.services.checkins import checkin_opens_at, checkin_questions
from care.services.notes import adapt_flags
from safety import engine
from safety import services as safety
from safety.models import AuditEntry


def checkin_form(booking: Booking, *, data=None, at_the_door=False) -> CheckInForm:
    """Her check-in form with this session's questions (the postnatal ones after the birth)."""
    label = "Record her answers" if at_the_door else "Send my check-in"
    return CheckInForm(data, questions=checkin_questions(booking), submit_label=label)


def _checkin_values(form: CheckInForm) -> dict:
    data = form.cleaned_data
    return {
        "red_flags": data["red_flags"],
        "anything_new": data["anything_new"],
        "pain": data["pain"],
        "pain_areas": data["pain_areas"],
        "sleep_effect": data["sleep_effect"],
        "walking_effect": data["walking_effect"],
    }


# --- Her check-in ------------------------------------------------------------------------


def her_booking(request, booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("slot__therapist__clinic", "checkin"),
        pk=booking_id,
        client=request.user,
    )


class CheckInView(ClientRequiredMixin, View):
    template_name = "care/checkin.html"

    def render_form(self, request, booking, form, status=200):
        clinic = booking.slot.therapist.clinic
        context = {
            "booking": booking,
            "clinic": clinic,
            "form": form,
            "is_open": services.checkin_is_open(booking),
            "opens_at": checkin_opens_at(booking),
            "not_yet": booking.is_active and timezone.now() < checkin_opens_at(booking),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, booking_id):
        booking = her_booking(request, booking_id)
        return self.render_form(request, booking, checkin_form(booking))

    def post(self, request, booking_id):
        booking = her_booking(request, booking_id)
        form = checkin_form(booking, data=request.POST)
        if not form.is_valid():
            return self.render_form(request, booking, form, status=400)
        try:
            result = services.record_checkin(
                booking=booking, by=request.user, **_checkin_values(form)
            )
        except CareError as error:
            form.add_error(None, str(error))
            return self.render_form(request, booking, form, status=409)
        if result.hold is None and result.checkin.anything_new:
            messages.success(request, "Thank you. Now tell us what has changed.")
            done = reverse("care:checkin_done", kwargs={"booking_id": booking.pk})
            return redirect(f"{reverse('safety:intake')}?{urlencode({'next': done})}")
        return redirect("care:checkin_done", booking_id=booking.pk)


class CheckInDoneView(ClientRequiredMixin, TemplateView):
    """Straight after her check-in: on hold, what to do now; otherwise, see you soon."""

    template_name = "care/checkin_done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = her_booking(self.request, kwargs["booking_id"])
        clinic = booking.slot.therapist.clinic
        hold = services.open_hold(booking)
        context.update(
            booking=booking,
            clinic=clinic,
            checkin=getattr(booking, "checkin", None),
            hold=hold,
            advice=[engine.CONDITIONS[code].client_message for code in hold.red_flags]
            if hold
            else [],
            emergency_number=clinic.emergency_number,
        )
        return context


# --- The therapist's side ----------------------------------------------------------------


def _audit_notes_viewed(request, booking: Booking, where: str) -> None:
    safety.log_audit(
        actor=request.user,
        client=booking.client,
        clinic=booking.slot.therapist.clinic,
        action=AuditEntry.Action.VIEWED_NOTES,
        detail=where,
    )


class SessionCareView(StaffRequiredMixin, TemplateView):
    """Check-in, hold, this session's note and her last three sessions at a glance."""

    template_name = "care/session.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = booking_for_session_staff(self.request.user, kwargs["booking_id"])
        _audit_notes_viewed(self.request, booking, f"Session {booking.pk}")
        context.update(session_context(booking))
        return context


def session_context(booking: Booking, **extra) -> dict:
    clinic = booking.slot.therapist.clinic
    hold = services.open_hold(booking)
    action = reverse("care:resolve_hold", kwargs={"booking_id": booking.pk})
    return {
        "booking": booking,
        "clinic": clinic,
        "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
        "checkin": getattr(booking, "checkin", None),
        "checkin_open": services.checkin_is_open(booking),
        "hold": hold,
        "hold_questions": [engine.CONDITIONS[code].question for code in hold.red_flags]
        if hold
        else [],
        "hold_form": HoldOutcomeForm(action=action) if hold else None,
        "notes": list(booking.treatment_notes.order_by("version")),
        "recent": queries.recent_sessions(booking=booking),
        "may_start": hold is None,
        **extra,
    }


class DoorCheckInView(StaffRequiredMixin, View):
    """The therapist asks her the check-in questions at the door and records her answers."""

    template_name = "care/door_checkin.html"

    def render_form(self, request, booking, form, status=200):
        context = {
            "booking": booking,
            "clinic": booking.slot.therapist.clinic,
            "form": form,
            "is_open": services.checkin_is_open(booking),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, booking_id):
        booking = booking_for_session_staff(request.user, booking_id)
        return self.render_form(request, booking, checkin_form(booking, at_the_door=True))

    def post(self, request, booking_id):
        booking = booking_for_session_staff(request.user, booking_id)
        form = checkin_form(booking, data=request.POST, at_the_door=True)
        if not form.is_valid():
            return self.render_form(request, booking, form, status=400)
        try:
            result = services.record_checkin(
                booking=booking, by=request.user, **_checkin_values(form)
            )
        except CareError as error:
            form.add_error(None, str(error))
            return self.render_form(request, booking, form, status=409)
        if result.hold is not None:
            messages.error(request, "On hold: a red flag. Do not start; refer her now.")
        else:
            messages.success(request, "Check-in recorded.")
        return redirect("care:session", booking_id=booking.pk)


class ResolveHoldView(StaffRequiredMixin, View):
    def post(self, request, booking_id):
        booking = booking_for_session_staff(request.user, booking_id)
        action = reverse("care:resolve_hold", kwargs={"booking_id": booking.pk})
        form = HoldOutcomeForm(request.POST, action=action)
        if form.is_valid():
            data = form.cleaned_data
            try:
                hold = services.resolve_hold(
                    booking=booking,
                    by=request.user,
                    outcome=data["outcome"],
                    cleared_by=data["cleared_by"],
                    cleared_on=data["cleared_on"],
                    note=data["note"],
                )
            except CareError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Recorded: {hold.get_outcome_display().lower()}.")
                return redirect("care:session", booking_id=booking.pk)
        context = session_context(booking, hold_form=form)
        return render(request, SessionCareView.template_name, context, status=400)


class NoteView(StaffRequiredMixin, View):
    """Write and sign the note, or amend the signed one (a new version; the original stays)."""

    template_name = "care/note_form.html"

    def setup_note(self, request, booking_id):
        self.booking = booking_for_session_staff(request.user, booking_id)
        self.current = services.latest_note(self.booking)
        if self.current is None:
            self.adapt = [(f.code, f.title, f.instruction) for f in adapt_flags(self.booking)]
        else:
            instructions = {f.code: f.instruction for f in adapt_flags(self.booking)}
            self.adapt = [
                (check["code"], check["title"], instructions.get(check["code"], ""))
                for check in self.current.adapt_checks
            ]

    def form(self, data=None):
        amending = self.current is not None
        return TreatmentNoteForm(
            data,
            adapt=self.adapt,
            amending=amending,
            initial=TreatmentNoteForm.initial_from(self.current) if amending else None,
            submit_label="Sign the amendment" if amending else "Sign the note",
        )

    def render_form(self, request, form, status=200):
        context = {
            "booking": self.booking,
            "clinic": self.booking.slot.therapist.clinic,
            "form": form,
            "current": self.current,
            "may_start": services.session_may_start(self.booking),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, booking_id):
        self.setup_note(request, booking_id)
        if self.current is not None:
            _audit_notes_viewed(request, self.booking, f"Note of session {self.booking.pk}")
        return self.render_form(request, self.form())

    def post(self, request, booking_id):
        self.setup_note(request, booking_id)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(request, form, status=400)
        try:
            if self.current is None:
                services.sign_note(booking=self.booking, by=request.user, content=form.content())
            else:
                services.amend_note(
                    booking=self.booking,
                    by=request.user,
                    content=form.content(),
                    reason=form.cleaned_data["amendment_reason"],
                )
        except NoteError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
            return self.render_form(request, form, status=400)
        except CareError as error:
            form.add_error(None, str(error))
            return self.render_form(request, form, status=409)
        messages.success(request, "Note signed." if self.current is None else "Amendment signed.")
        return redirect("care:session", booking_id=self.booking.pk)


class ClientProgressView(StaffRequiredMixin, TemplateView):
    """The clinic's view of her: pain before and after each session there, and every note."""

    template_name = "care/client_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = booking_for_clinic_staff(self.request.user, kwargs["booking_id"])
        clinic = booking.slot.therapist.clinic
        points = queries.clinic_progress(client=booking.client, clinic=clinic)
        _audit_notes_viewed(self.request, booking, "Her progress")
        context.update(booking=booking, clinic=clinic, points=points, chart=progress_chart(points))
        return context
