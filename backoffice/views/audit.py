"""The health data audit log of her clinics."""

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from accounts.permissions import ClinicAdminRequiredMixin
from safety import services


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
