"""Deleting her account: her password and a tick that she understands."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand my account, my health answers and my future bookings will be "
        "deleted, and this cannot be undone.",
        error_messages={"required": "Please tick this box to confirm."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        delete = Submit("submit", "Delete my account")
        delete.field_classes = "btn btn-danger w-100"
        self.helper.add_input(delete)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password isn't right.")
        return password
