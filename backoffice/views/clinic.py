"""The clinic admin's dashboard: her clinics, therapists and settings."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, UpdateView

from accounts.permissions import ClinicAdminRequiredMixin
from backoffice import today as today_at_clinic
from backoffice.forms import ClinicSettingsForm, TherapistInviteForm, TherapistProfileForm
from clinics.models import Clinic
from clinics.services import ClinicError, invite_therapist


class AdministeredClinicMixin(ClinicAdminRequiredMixin):
    """The clinic named by the URL's ``slug``, if she administers it; 404 otherwise."""

    @cached_property
    def clinic(self) -> Clinic:
        return get_object_or_404(
            self.request.user.administered_clinics.all(), slug=self.kwargs["slug"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(clinic=self.clinic, **kwargs)


class DashboardView(ClinicAdminRequiredMixin, TemplateView):
    """Her clinics; with only one, that clinic's overview right here."""

    template_name = "clinics/dashboard.html"

    def get(self, request, *args, **kwargs):
        clinics = list(request.user.administered_clinics.all())
        if len(clinics) == 1:
            return ClinicHomeView.as_view()(request, slug=clinics[0].slug)
        return self.render_to_response(self.get_context_data(clinics=clinics))


class ClinicHomeView(AdministeredClinicMixin, TemplateView):
    """The clinic opens on today: what needs her, each count a link to its list."""

    template_name = "clinics/clinic_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["therapists"] = self.clinic.therapists.all()
        context["today"] = today_at_clinic.today_at(self.clinic)
        context["today_date"] = self.clinic.today()
        return context


class AttentionListView(AdministeredClinicMixin, TemplateView):
    """Upcoming sessions still waiting for a clearance, or stopped by a red-flag answer."""

    template_name = "clinics/attention.html"
    LISTS = {
        "clearances": (
            "Clearances outstanding",
            "Upcoming sessions whose doctor's or midwife's clearance nobody has recorded yet.",
            today_at_clinic.sessions_needing_clearance,
        ),
        "holds": (
            "Red-flag holds",
            "Upcoming sessions stopped by a red-flag answer. Open one to see what she told us.",
            today_at_clinic.sessions_on_red_flag_hold,
        ),
    }

    def get_context_data(self, **kwargs):
        if kwargs["kind"] not in self.LISTS:
            raise Http404("No such list.")
        title, lead, sessions = self.LISTS[kwargs["kind"]]
        context = super().get_context_data(**kwargs)
        context.update(title=title, lead=lead, sessions=sessions(self.clinic)[:200])
        return context


class TherapistListView(AdministeredClinicMixin, TemplateView):
    template_name = "clinics/therapist_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["therapists"] = self.clinic.therapists.select_related("user")
        return context


class TherapistInviteView(AdministeredClinicMixin, FormView):
    template_name = "clinics/therapist_invite.html"
    form_class = TherapistInviteForm

    def form_valid(self, form):
        try:
            therapist = invite_therapist(
                clinic=self.clinic, invited_by=self.request.user, **form.cleaned_data
            )
        except ClinicError as error:
            form.add_error("email", error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation sent to {therapist.user.email}. Add {therapist.display_name}'s "
            "working hours so clients can book her.",
        )
        return redirect("clinics:therapist_edit", slug=self.clinic.slug, pk=therapist.pk)


class TherapistEditView(AdministeredClinicMixin, UpdateView):
    template_name = "clinics/therapist_edit.html"
    form_class = TherapistProfileForm
    context_object_name = "therapist"

    def get_queryset(self):
        return self.clinic.therapists.select_related("user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["working_hours"] = self.object.working_hours.all()
        context["time_off"] = self.object.time_off.filter(ends_on__gte=self.clinic.today())
        return context

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "Profile saved.")
        return redirect("clinics:therapist_edit", slug=self.clinic.slug, pk=self.object.pk)


class ClinicSettingsView(AdministeredClinicMixin, UpdateView):
    template_name = "clinics/settings.html"
    form_class = ClinicSettingsForm

    def get_object(self, queryset=None):
        return self.clinic

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "Settings saved.")
        if {"session_minutes", "turnover_minutes"} & set(form.changed_data):
            messages.info(
                self.request,
                "Slots already laid out keep their times. To lay out open slots with the new "
                "length and gap, use “Lay out slots” and tick “Also withdraw open slots that "
                "no longer fit”.",
            )
        return redirect("clinics:settings", slug=self.clinic.slug)
