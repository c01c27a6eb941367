"""Her pregnancy profile and health answers; therapists' review of safety flags."""

from django.views.generic import TemplateView

from accounts.permissions import ClientRequiredMixin


class ProfileView(ClientRequiredMixin, TemplateView):
    template_name = "safety/profile.html"
