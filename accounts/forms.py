"""Sign-up, login and password forms, laid out by crispy-forms."""

from django import forms
from django.contrib.auth import forms as auth_forms

from accounts.models import User
from accounts.services import request_password_reset
from common.forms import SubmitHelperMixin as BaseSubmitHelperMixin


class SubmitHelperMixin(BaseSubmitHelperMixin):
    submit_label = "Continue"


class SignupForm(SubmitHelperMixin, auth_forms.BaseUserCreationForm):
    submit_label = "Create my account"

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name", required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model allows no address (callers registered by phone); signing up needs one.
        self.fields["email"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail already exists. Log in, or reset your password."
            )
        return email


class LoginForm(SubmitHelperMixin, auth_forms.AuthenticationForm):
    submit_label = "Log in"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )


class PasswordResetForm(SubmitHelperMixin, auth_forms.PasswordResetForm):
    submit_label = "Send me a reset link"

    def save(self, **kwargs) -> None:
        """Queue the reset e-mail in the outbox rather than talk to the mail server here.

        The request then takes about as long whether or not the address has an account,
        and a slow mail server never holds it up. The link is written when the e-mail is
        sent, from the site's address (``SITE_URL``), so no token is stored.
        """
        request_password_reset(users=self.get_users(self.cleaned_data["email"]))


class SetPasswordForm(SubmitHelperMixin, auth_forms.SetPasswordForm):
    submit_label = "Save my password"


class PasswordChangeForm(SubmitHelperMixin, auth_forms.PasswordChangeForm):
    submit_label = "Change my password"
