"""Sign-up, login, password reset, staff invitations and the per-role home page."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import CreateView

from accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SignupForm,
)
from accounts.models import User
from common.redirects import safe_next_url

HOME_BY_ROLE = {
    User.Role.CLIENT: "booking:my_bookings",
    User.Role.THERAPIST: "sessions:day",
    User.Role.CLINIC_ADMIN: "clinics:dashboard",
    User.Role.OPERATOR: "admin:index",
}


@login_required
def home(request):
    """Each role lands on its own home page after login."""
    return redirect(HOME_BY_ROLE[request.user.role])


class SignupView(CreateView):
    form_class = SignupForm
    template_name = "accounts/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("accounts:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="accounts.backends.RoleAwareBackend")
        messages.success(self.request, f"Welcome to Bolster, {user.first_name}!")
        return redirect(safe_next_url(self.request) or "accounts:home")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class InviteAcceptView(PasswordResetConfirmView):
    """A staff member's first visit: the invitation link lets her choose a password."""

    template_name = "accounts/invite_accept.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.RoleAwareBackend"
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome to Bolster.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)
