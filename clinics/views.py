"""Public therapist pages and the clinic admin's dashboard."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from accounts.permissions import ClinicAdminRequiredMixin
from clinics.models import Therapist


class TherapistDetailView(DetailView):
    template_name = "clinics/therapist_detail.html"
    context_object_name = "therapist"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Therapist.objects.active().select_related("clinic"),
            clinic__slug=self.kwargs["slug"],
            slug=self.kwargs["therapist_slug"],
        )


class DashboardView(ClinicAdminRequiredMixin, TemplateView):
    template_name = "clinics/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clinics"] = self.request.user.administered_clinics.all()
        return context
