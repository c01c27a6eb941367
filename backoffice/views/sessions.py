"""The therapist's pages: her day and week of sessions, and one session's safety review.

Clinic admins see the review of any session at their clinics too.
"""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import StaffRequiredMixin, TherapistRequiredMixin
from booking import queries
from booking.models import Booking
from booking.services import flags
from booking.services.glance import attach_glances
from care import queries as care_queries
from safety import documents, engine, services
from safety.dating import gestational_age_or_none
from safety.forms import ClearanceForm
from safety.models import AuditEntry, Severity


class TherapistDayView(TherapistRequiredMixin, TemplateView):
    """Her sessions today and for the rest of the week, in order, with flags."""

    template_name = "booking/therapist_day.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        therapist = self.request.user.therapist
        clinic = therapist.clinic
        today = clinic.today()
        start, end_of_today = clinic.day_bounds(today)
        _, end_of_week = clinic.day_bounds(today, today + dt.timedelta(days=6))
        sessions = list(
            care_queries.with_care_state(
                queries.therapist_sessions(
                    therapist=therapist, start=start, end=end_of_week
                ).prefetch_related(queries.latest_answers())
            )
        )
        attach_glances(sessions, viewer=self.request.user)
        for booking in sessions:
            local_day = clinic.local_date(booking.starts_at)
            profile = getattr(booking.client, "pregnancy_profile", None)
            booking.gestational_age = (
                gestational_age_or_none(profile.due_date, local_day) if profile else None
            )
        context.update(
            clinic=clinic,
            today=today,
            today_sessions=[b for b in sessions if b.starts_at < end_of_today],
            week_sessions=[b for b in sessions if b.starts_at >= end_of_today],
        )
        return context


def _booking_for_staff(user, booking_id: int) -> Booking:
    """The booking if ``user`` is its therapist or an admin of its clinic; otherwise 404."""
    booking = get_object_or_404(
        Booking.objects.select_related(
            "client", "slot__therapist__clinic", "slot__therapist__user", "flags_acknowledged_by"
        ),
        pk=booking_id,
    )
    if not flags.staff_can_see_booking(user, booking):
        raise Http404("No such session.")
    return booking


class SessionReviewView(StaffRequiredMixin, View):
    """One session's flags, her week of pregnancy, acknowledgement and clearances."""

    template_name = "safety/session_review.html"

    def get(self, request, booking_id):
        booking = _booking_for_staff(request.user, booking_id)
        services.log_audit(
            actor=request.user,
            client=booking.client,
            clinic=booking.slot.therapist.clinic,
            action=AuditEntry.Action.VIEWED_FLAGS,
            detail=f"Session on {flags.session_date(booking):%Y-%m-%d}",
        )
        return self.render(request, booking)

    def render(self, request, booking, clearance_form=None):
        clinic = booking.slot.therapist.clinic
        views = flags.flags_for_review(booking)
        needing = [view.flag for view in views if view.needs_clearance]
        letters = list(documents.documents_of(booking.client))
        action = reverse("sessions:record_clearance", kwargs={"booking_id": booking.pk})
        if clearance_form is None and needing:
            clearance_form = ClearanceForm(
                flags=needing, documents=letters, action=action, today=clinic.today()
            )
        context = {
            "booking": booking,
            "clinic": clinic,
            "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
            "ends_at": timezone.localtime(booking.ends_at, clinic.tz),
            "ga": flags.gestational_age_at_session(booking),
            "profile": services.pregnancy_profile(booking.client),
            "flag_views": views,
            "has_block": any(view.flag.severity == Severity.BLOCK for view in views),
            "clearance_form": clearance_form if needing else None,
            "closed_flags": booking.safety_flags.filter(closed_at__isnull=False),
            "letters": letters,
            "not_medical_advice": engine.NOT_MEDICAL_ADVICE,
        }
        return render(request, self.template_name, context)


class AcknowledgeView(StaffRequiredMixin, View):
    def post(self, request, booking_id):
        booking = _booking_for_staff(request.user, booking_id)
        flags.acknowledge(booking=booking, by=request.user)
        messages.success(request, "Flags acknowledged.")
        return redirect("sessions:review", booking_id=booking.pk)


class RecordClearanceView(StaffRequiredMixin, View):
    def post(self, request, booking_id):
        booking = _booking_for_staff(request.user, booking_id)
        needing = [view.flag for view in flags.flags_for_review(booking) if view.needs_clearance]
        form = ClearanceForm(
            request.POST,
            flags=needing,
            documents=documents.documents_of(booking.client),
            action=reverse("sessions:record_clearance", kwargs={"booking_id": booking.pk}),
            today=booking.slot.therapist.clinic.today(),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                flags.record_clearance(
                    booking=booking,
                    code=data["code"],
                    issued_by=data["issued_by"],
                    issued_on=data["issued_on"],
                    valid_until=data["valid_until"],
                    note=data["note"],
                    recorded_by=request.user,
                    document=form.documents.get(data.get("document")),
                )
            except services.ClearanceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Clearance recorded.")
                return redirect("sessions:review", booking_id=booking.pk)
        return SessionReviewView().render(request, booking, clearance_form=form)


class ClientIntakeView(StaffRequiredMixin, TemplateView):
    """Her answers, for the staff of one of her sessions; every view is audited."""

    template_name = "safety/client_intake.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = _booking_for_staff(self.request.user, kwargs["booking_id"])
        intake = services.latest_intake(booking.client)
        services.log_audit(
            actor=self.request.user,
            client=booking.client,
            clinic=booking.slot.therapist.clinic,
            action=AuditEntry.Action.VIEWED_INTAKE,
            detail=f"Via session on {flags.session_date(booking):%Y-%m-%d}",
        )
        answered = set(intake.conditions) if intake else set()
        profile = services.pregnancy_profile(booking.client)
        after_birth = profile is not None and profile.birth_date is not None
        context.update(
            booking=booking,
            intake=intake,
            clinic=booking.slot.therapist.clinic,
            groups=[
                (
                    heading,
                    [
                        (rule, rule.condition in answered, intake.notes.get(rule.condition, ""))
                        for rule in engine.intake_questions(after_birth=after_birth)
                        if rule.group == group
                    ]
                    if intake
                    else [],
                )
                for group, heading in engine.QUESTION_GROUPS.items()
            ],
        )
        return context
