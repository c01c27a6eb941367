"""Her data: download everything we hold about her, or delete her account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import ClientRequiredMixin
from privacy import services
from privacy.forms import DeleteAccountForm


class AccountView(ClientRequiredMixin, TemplateView):
    """Her account: password, reminders, her data, and deleting it all, kept apart from the
    profile she fills in on her first visit."""

    template_name = "privacy/account.html"


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
