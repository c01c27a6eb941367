"""Sign-up, login, password reset, staff invitations and the per-role home page."""

from axes.utils import reset as reset_login_attempts
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.safestring import mark_safe
from django.views.generic import CreateView, FormView, TemplateView

from accounts import mfa
from accounts.forms import (
    AppSetupForm,
    ConfirmPasswordForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SecondFactorForm,
    SetPasswordForm,
    SignupForm,
)
from accounts.models import User
from accounts.services import sign_up
from accounts.sessions import record_password_confirmed
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
            login(self.request, user, backend="accounts.backends.RoleAwareBackend")
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


class SecondFactorMixin(AccessMixin):
    """Whoever needs a second factor (staff, and any Django admin user); clients get 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not mfa.needs_second_factor(request.user):
            raise PermissionDenied
        return self.elsewhere() or super().dispatch(request, *args, **kwargs)

    def elsewhere(self):
        """Where this page sends her instead, given her second factor's state."""
        return None

    def with_query(self, url_name: str):
        query = self.request.GET.urlencode()
        return redirect(f"{reverse(url_name)}?{query}" if query else reverse(url_name))

    def next_url(self) -> str:
        return safe_next_url(self.request) or reverse("accounts:home")


class AppSetupView(SecondFactorMixin, FormView):
    """Set up the authenticator app: scan the code, type the first six digits."""

    template_name = "accounts/mfa_setup.html"
    form_class = AppSetupForm

    def elsewhere(self):
        if mfa.has_second_factor(self.request.user):
            return self.with_query("accounts:mfa_verify")
        return None

    def get_context_data(self, **kwargs):
        device = mfa.pending_app_device(self.request.user)
        return super().get_context_data(
            qr_code=mark_safe(mfa.qr_code_svg(device)),  # drawn by qrcode, no user text
            key=mfa.readable_key(device),
            next=safe_next_url(self.request),
            **kwargs,
        )

    def form_valid(self, form):
        device = mfa.pending_app_device(self.request.user)
        try:
            codes = mfa.confirm_app(
                request=self.request, device=device, code=form.cleaned_data["code"]
            )
        except mfa.WrongCode as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        return render(
            self.request,
            "accounts/mfa_recovery_codes.html",
            {"codes": codes, "next": self.next_url(), "first_time": True},
        )


class SecondFactorView(SecondFactorMixin, FormView):
    """Each staff login: a code from the app, or a recovery code."""

    template_name = "accounts/mfa_verify.html"
    form_class = SecondFactorForm

    def elsewhere(self):
        if not mfa.has_second_factor(self.request.user):
            return self.with_query("accounts:mfa_setup")
        return None

    def form_valid(self, form):
        try:
            mfa.verify(request=self.request, code=form.cleaned_data["code"])
        except mfa.WrongCode as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        return redirect(self.next_url())


class RecoveryCodesView(SecondFactorMixin, TemplateView):
    """New recovery codes (the old ones stop working), after the second factor."""

    template_name = "accounts/mfa_recovery_codes.html"

    def elsewhere(self):
        if not mfa.is_verified(self.request):
            return redirect(f"{reverse('accounts:mfa_verify')}?next={self.request.path}")
        return None

    def post(self, request, *args, **kwargs):
        codes = mfa.new_recovery_codes(user=request.user)
        return render(
            request, self.template_name, {"codes": codes, "next": reverse("accounts:home")}
        )


class ConfirmPasswordView(LoginRequiredMixin, FormView):
    """Her health pages after a day: the password again, counted by the lock-out."""

    template_name = "accounts/confirm_password.html"
    form_class = ConfirmPasswordForm

    def form_valid(self, form):
        user = authenticate(
            self.request, username=self.request.user.email, password=form.cleaned_data["password"]
        )
        if user is None or user.pk != self.request.user.pk:
            form.add_error("password", "That password is not right. Please try again.")
            return self.form_invalid(form)
        record_password_confirmed(self.request)
        return redirect(safe_next_url(self.request) or reverse("accounts:home"))
