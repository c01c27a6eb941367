"""Sign-up, login and password forms, laid out by crispy-forms."""

from django import forms
from django.contrib.auth import forms as auth_forms

from accounts.models import User, normalise_email
from accounts.services import request_password_reset
from common.forms import SubmitHelperMixin as BaseSubmitHelperMixin

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


class NormalisedEmailField(forms.EmailField):
    """An e-mail in the one spelling accounts use, normalised before it is validated, so a
    full-width or upper-case address is read as the address it stands for."""

    def to_python(self, value):
        return normalise_email(super().to_python(value))


class SubmitHelperMixin(BaseSubmitHelperMixin):
    submit_label = "Continue"


class SignupForm(SubmitHelperMixin, auth_forms.BaseUserCreationForm):
    submit_label = "Create my account"

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name", required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email"]
        field_classes = {"email": NormalisedEmailField}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model allows no address (callers registered by phone); signing up needs one.
        self.fields["email"].required = True

    def clean_email(self):
        # Whether the address has an account is never said here: the service e-mails that
        # account instead, so the page answers alike for a new and a taken address.
        return normalise_email(self.cleaned_data["email"])

    def validate_unique(self):
        """Left to ``accounts.services.sign_up``, which must not say an address is taken."""


class LoginForm(SubmitHelperMixin, auth_forms.AuthenticationForm):
    submit_label = "Log in"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "maxlength": EMAIL_MAX_LENGTH}
        )

    def clean_username(self):
        # Django's form sets a max_length on this field after it is made, which never
        # reaches its validators: check the length here, before anything is looked up.
        email = normalise_email(self.cleaned_data["username"])
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                f"An e-mail address has at most {EMAIL_MAX_LENGTH} characters."
            )
        return email


class PasswordResetForm(SubmitHelperMixin, auth_forms.PasswordResetForm):
    submit_label = "Send me a reset link"

    email = NormalisedEmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

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


class SecondFactorForm(SubmitHelperMixin, forms.Form):
    submit_label = "Confirm"

    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class AppSetupForm(SecondFactorForm):
    submit_label = "Turn on"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6 digits your authenticator app shows now."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class ConfirmPasswordForm(SubmitHelperMixin, forms.Form):
    submit_label = "Continue"

    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
