"""Sign-up, login, password reset, staff invitations and the per-role home page."""

from axes.utils import reset as reset_login_attempts
from django.contrib import messages
from django.contrib.auth import authenticate, login
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
from accounts.services import sign_up
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
        data = form.cleaned_data
        user = sign_up(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
        if user is not None:
            login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        else:
            # A taken address: with its own password (her double-click, or she forgot she
            # had signed up) this is simply a login, counted by the lock-out like any other.
            user = authenticate(self.request, username=data["email"], password=data["password1"])
            if user is not None:
                login(self.request, user)
        if user is not None:
            messages.success(self.request, f"Welcome to Bolster, {user.first_name}!")
        else:
            messages.info(
                self.request, f"We've sent an e-mail to {data['email']}: it says what to do next."
            )
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

    def form_valid(self, form):
        # The link proved she owns the address: a lock-out from wrong passwords ends here.
        response = super().form_valid(form)
        reset_login_attempts(username=form.user.email)
        return response


class InviteAcceptView(PasswordResetConfirmView):
    """A staff member's first visit: the invitation link lets her choose a password."""

    template_name = "accounts/invite_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
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
