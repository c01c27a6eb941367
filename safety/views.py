"""Her pregnancy profile and health answers; therapists' review of safety flags."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import (
    ClientRequiredMixin,
    ClinicAdminRequiredMixin,
    StaffRequiredMixin,
)
from booking.models import Booking
from safety import documents, engine, services
from safety.dating import gestational_age_on
from safety.forms import (
    ClearanceDocumentForm,
    ClearanceForm,
    DeleteAccountForm,
    IntakeForm,
    PregnancyProfileForm,
)
from safety.models import AuditEntry, ClearanceDocument, Severity


def _safe_next(request) -> str | None:
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return None


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- Her pages --------------------------------------------------------------------------


class ProfileView(ClientRequiredMixin, FormView):
    """Her due date and contacts; then on to the questions if she has not answered them."""

    template_name = "safety/profile.html"
    form_class = PregnancyProfileForm

    def get_initial(self):
        return PregnancyProfileForm.initial_from(services.pregnancy_profile(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = services.pregnancy_profile(self.request.user)
        context["profile"] = profile
        context["intake"] = services.latest_intake(self.request.user)
        context["red_flag"] = services.red_flag_outcome(self.request.user)
        context["next"] = _safe_next(self.request)
        if profile is not None:
            try:
                context["ga_today"] = gestational_age_on(profile.due_date, timezone.localdate())
            except ValueError:
                context["ga_today"] = None
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.save_pregnancy_profile(
                client=self.request.user,
                due_date=data["resolved_due_date"],
                due_date_source=data["due_date_source"],
                last_period_started_on=data.get("last_period_started_on"),
                phone=data["phone"],
                emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
            )
        except services.SafetyError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Your pregnancy details are saved.")
        next_url = _safe_next(self.request)
        if services.latest_intake(self.request.user) is None:
            return redirect(_with_next(reverse("safety:intake"), next_url))
        return redirect(next_url or reverse("safety:profile"))


class IntakeView(ClientRequiredMixin, FormView):
    """Her health questions; each save is a new version and re-checks her future sessions."""

    template_name = "safety/intake.html"
    form_class = IntakeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["previous"] = services.latest_intake(self.request.user)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake"] = services.latest_intake(self.request.user)
        context["next"] = _safe_next(self.request)
        return context

    def form_valid(self, form):
        try:
            services.record_intake(
                client=self.request.user,
                conditions=form.conditions(),
                notes=form.notes(),
                consent=form.cleaned_data["consent"],
            )
        except services.SafetyError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if services.red_flag_outcome(self.request.user) is not None:
            # No thank-you and no way on to booking: what she must do now comes first.
            return redirect("safety:health_alert")
        messages.success(self.request, "Thank you — your answers are saved.")
        next_url = _safe_next(self.request)
        if services.pregnancy_profile(self.request.user) is None:
            return redirect(_with_next(reverse("safety:profile"), next_url))
        return redirect(next_url or reverse("safety:profile"))


class HealthAlertView(ClientRequiredMixin, TemplateView):
    """After a red-flag answer: what to do now, which sessions are on hold, who was told."""

    template_name = "safety/health_alert.html"

    def get(self, request, *args, **kwargs):
        outcome = services.red_flag_outcome(request.user)
        if outcome is None:
            return redirect("safety:profile")
        return self.render_to_response(self.get_context_data(outcome=outcome))


class DocumentsView(ClientRequiredMixin, FormView):
    """Her doctors' letters: send a photo or PDF for the clinic to verify into a clearance."""

    template_name = "safety/documents.html"
    form_class = ClearanceDocumentForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["documents"] = documents.documents_of(self.request.user)
        context["needed"] = services.clearances_still_needed(self.request.user)
        return context

    def form_valid(self, form):
        try:
            documents.upload_document(client=self.request.user, upload=form.cleaned_data["file"])
        except services.SafetyError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Thank you — your letter is with your clinic. Your therapist checks it before your "
            "session.",
        )
        return redirect("safety:documents")


class DocumentFileView(LoginRequiredMixin, View):
    """One letter's file, for her and her clinic's staff only; never cached."""

    def get(self, request, document_id):
        document = get_object_or_404(
            ClearanceDocument.objects.select_related("client"), pk=document_id
        )
        if not documents.can_open(request.user, document):
            raise Http404("No such letter.")
        extension = {"application/pdf": "pdf", "image/png": "png", "image/heic": "heic"}.get(
            document.content_type, "jpg"
        )
        response = FileResponse(
            documents.open_document(document=document, viewer=request.user),
            content_type=document.content_type,
            as_attachment=False,
            filename=f"letter-{document.pk}.{extension}",
        )
        response["Cache-Control"] = "no-store, private"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ExportView(ClientRequiredMixin, View):
    """GET explains; POST downloads everything we hold about her as JSON."""

    def get(self, request):
        return render(request, "safety/export.html")

    def post(self, request):
        data = services.export_client_data(client=request.user)
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="bolster-my-data-{stamp}.json"'
        return response


class DeleteAccountView(ClientRequiredMixin, FormView):
    template_name = "safety/delete_account.html"
    form_class = DeleteAccountForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        services.delete_client_account(client=self.request.user)
        logout(self.request)
        messages.success(
            self.request,
            "Your account and health answers are deleted and your future sessions cancelled. "
            "Take care, and all the best.",
        )
        return redirect("home")


# --- Staff pages ------------------------------------------------------------------------


def _booking_for_staff(user, booking_id: int) -> Booking:
    """The booking if ``user`` is its therapist or an admin of its clinic; otherwise 404."""
    booking = get_object_or_404(
        Booking.objects.select_related(
            "client", "slot__therapist__clinic", "slot__therapist__user", "flags_acknowledged_by"
        ),
        pk=booking_id,
    )
    if not services.staff_can_see_booking(user, booking):
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
            detail=f"Session on {services.session_date(booking):%Y-%m-%d}",
        )
        return self.render(request, booking)

    def render(self, request, booking, clearance_form=None):
        clinic = booking.slot.therapist.clinic
        views = services.flags_for_review(booking)
        needing = [view.flag for view in views if view.needs_clearance]
        letters = list(documents.documents_of(booking.client))
        action = reverse("safety:record_clearance", kwargs={"booking_id": booking.pk})
        if clearance_form is None and needing:
            clearance_form = ClearanceForm(
                flags=needing,
                documents=letters,
                action=action,
                initial={"issued_on": timezone.localdate()},
            )
        context = {
            "booking": booking,
            "clinic": clinic,
            "starts_at": timezone.localtime(booking.starts_at, clinic.tz),
            "ends_at": timezone.localtime(booking.ends_at, clinic.tz),
            "ga": services.gestational_age_at_session(booking),
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
        services.acknowledge(booking=booking, by=request.user)
        messages.success(request, "Flags acknowledged.")
        return redirect("safety:session_review", booking_id=booking.pk)


class RecordClearanceView(StaffRequiredMixin, View):
    def post(self, request, booking_id):
        booking = _booking_for_staff(request.user, booking_id)
        needing = [view.flag for view in services.flags_for_review(booking) if view.needs_clearance]
        form = ClearanceForm(
            request.POST,
            flags=needing,
            documents=documents.documents_of(booking.client),
            action=reverse("safety:record_clearance", kwargs={"booking_id": booking.pk}),
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_clearance(
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
                return redirect("safety:session_review", booking_id=booking.pk)
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
            detail=f"Via session on {services.session_date(booking):%Y-%m-%d}",
        )
        answered = set(intake.conditions) if intake else set()
        context.update(
            booking=booking,
            intake=intake,
            clinic=booking.slot.therapist.clinic,
            groups=[
                (
                    heading,
                    [
                        (rule, rule.condition in answered, intake.notes.get(rule.condition, ""))
                        for rule in engine.CONDITION_RULES
                        if rule.group == group
                    ]
                    if intake
                    else [],
                )
                for group, heading in engine.QUESTION_GROUPS.items()
            ],
        )
        return context


class AuditLogView(ClinicAdminRequiredMixin, TemplateView):
    """Who saw or changed health data of her clinic's clients."""

    template_name = "safety/audit_log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinics = list(self.request.user.administered_clinics.order_by("name"))
        paginator = Paginator(services.audit_entries_for_clinics(clinics), 50)
        context["clinics"] = clinics
        context["page_obj"] = paginator.get_page(self.request.GET.get("page"))
        return context
