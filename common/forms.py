"""Form pieces shared by every app: a crispy submit button and date/time inputs."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class SubmitHelperMixin:
    """A crispy-forms helper with one full-width submit button labelled ``submit_label``."""

    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label, css_class="btn-primary w-100"))


class DateInput(forms.DateInput):
    """The phone's date picker; the value in ISO form, which is what it reads."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")
