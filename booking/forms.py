"""The weekly plan form and its validation messages."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms

from booking.services.plans import MAX_SESSIONS_PER_WEEK, MIN_DAYS_BETWEEN_SESSIONS, weekday_gap
from clinics.models import Therapist, WorkingHours

# Used when the clinic has no slots laid out yet: every half hour of a working day.
DEFAULT_TIMES = [dt.time(hour, minute) for hour in range(8, 20) for minute in (0, 30)]


class PlanForm(forms.Form):
    """What a weekly plan is: therapist, one or two weekdays, a time, and from/until when."""

    therapist = forms.ModelChoiceField(queryset=Therapist.objects.none(), empty_label=None)
    weekdays = forms.TypedMultipleChoiceField(
        label="Days of the week",
        choices=WorkingHours.Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="One or two days. Two sessions need a day of rest between them.",
    )
    local_time = forms.TimeField(label="Time", widget=forms.Select)
    starts_on = forms.DateField(
        label="Start date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label="Last date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty to book until your due date.",
    )

    def __init__(self, *args, clinic, due_date: dt.date, today: dt.date, times=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["local_time"].widget.choices = [
            (f"{time:%H:%M}", f"{time:%H:%M}") for time in (times or DEFAULT_TIMES)
        ]
        self.due_date = due_date
        self.today = today
        self.fields["therapist"].queryset = clinic.therapists.active()
        self.fields[
            "ends_on"
        ].help_text = f"Leave empty to book until your due date, {due_date:%-d %B %Y}."
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = True
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "therapist",
            Field("weekdays", template="booking/includes/weekday_checkboxes.html"),
            "local_time",
            "starts_on",
            "ends_on",
        )
        self.helper.add_input(Submit("preview", "See the dates", css_class="w-100"))

    def clean_weekdays(self):
        days = sorted(set(self.cleaned_data["weekdays"]))
        if len(days) > MAX_SESSIONS_PER_WEEK:
            raise forms.ValidationError("Choose at most two days: a plan is once or twice a week.")
        if len(days) == 2 and weekday_gap(*days) < MIN_DAYS_BETWEEN_SESSIONS:
            raise forms.ValidationError(
                "Two sessions need a day of rest between them, e.g. Monday and Wednesday."
            )
        return days

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        if starts_on < self.today:
            raise forms.ValidationError("Choose today or a later date.")
        if starts_on > self.due_date:
            raise forms.ValidationError("Choose a date before your due date.")
        return starts_on

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and ends_on > self.due_date:
            raise forms.ValidationError(
                f"A plan can't run past your due date, {self.due_date:%-d %B %Y}."
            )
        return ends_on

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last date must be on or after the start date.")
        return cleaned


class ReminderPreferencesForm(forms.Form):
    same_day_reminders = forms.BooleanField(label="Remind me on the day too", required=False)
