"""After her health answers: what a red-flag answer means for her sessions, and the letters
from her doctor or midwife that let a therapist record a clearance. Booking's, because both
depend on her sessions (which are on hold, which clinics' staff may open a letter)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import ClientRequiredMixin
from booking.services import flags, letters
from safety import documents
from safety.forms import ClearanceDocumentForm
from safety.models import ClearanceDocument
from safety.services import SafetyError


class HealthAlertView(ClientRequiredMixin, TemplateView):
    """After a red-flag answer: what to do now, which sessions are on hold, who was told."""

    template_name = "safety/health_alert.html"

    def get(self, request, *args, **kwargs):
        outcome = flags.red_flag_outcome(request.user)
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
        context["needed"] = flags.clearances_still_needed(self.request.user)
        return context

    def form_valid(self, form):
        try:
            documents.upload_document(client=self.request.user, upload=form.cleaned_data["file"])
        except SafetyError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Thank you — your letter is with your clinic. Your therapist checks it before your "
            "session.",
        )
        return redirect("health:documents")


class DocumentFileView(LoginRequiredMixin, View):
    """One letter's file, for her and her clinic's staff only; never cached."""

    def get(self, request, document_id):
        document = get_object_or_404(
            ClearanceDocument.objects.select_related("client"), pk=document_id
        )
        if not letters.can_open(request.user, document):
            raise Http404("No such letter.")
        extension = {"application/pdf": "pdf", "image/png": "png", "image/heic": "heic"}.get(
            document.content_type, "jpg"
        )
        response = FileResponse(
            letters.open_document(document=document, viewer=request.user),
            content_type=document.content_type,
            as_attachment=False,
            filename=f"letter-{document.pk}.{extension}",
        )
        response["Cache-Control"] = "no-store, private"
        response["X-Content-Type-Options"] = "nosniff"
        return response
