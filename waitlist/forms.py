"""Joining the waitlist."""

from django import forms

from common.forms import DateInput

WEEKDAYS = [
    (str(n), name)
    for n, name in enumerate(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    )
]
# The names are ``waitlist.models.PARTS_OF_DAY``'s.
PARTS = [
    ("morning", "Morning (before 12:00)"),
    ("afternoon", "Afternoon (12:00–17:00)"),
    ("evening", "Evening (from 17:00)"),
]


class JoinWaitlistForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any therapist", label="Therapist"
    )
    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="Until", widget=DateInput())
    parts_of_day = forms.MultipleChoiceField(
        label="Parts of the day",
        choices=PARTS,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    weekdays = forms.MultipleChoiceField(
        label="Days of the week",
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = clinic.therapists.active()
