"""Form pieces shared by every app: a crispy submit button, date/time inputs and date bounds."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator


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


EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class DateBoundsMixin:
    """Keeps every date field to this century, so a typo like 9999 or 0001 is refused politely
    beside the field (year 1 or 9999 would otherwise reach date arithmetic that overflows,
    or be stored as a clearance valid for ever)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators += [
                    MinValueValidator(EARLIEST_DATE, "Please choose a date from 2000 on."),
                    MaxValueValidator(LATEST_DATE, "Please choose a date before 2101."),
                ]
