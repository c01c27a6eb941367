"""The weekly plan form and its validation messages."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import User
from booking.services.plans import (
    MAX_SESSIONS_PER_WEEK,
    MIN_DAYS_BETWEEN_SESSIONS,
    PlanLimit,
    weekday_gap,
)
from clinics.models import Therapist, WorkingHours
from common.forms import DateBoundsMixin
from safety.births import birth_date_problem
from safety.models import PregnancyProfile

# Before a therapist is chosen (a form rebuilt from bad input): every half hour of a day.
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

    def __init__(
        self,
        *args,
        clinic,
        limit: PlanLimit,
        today: dt.date,
        therapist: Therapist | None = None,
        week: dict[int, list[dt.time]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.today = today
        self.therapist = therapist
        self.week = week
        self.fields["therapist"].queryset = clinic.therapists.active()
        self.fields["ends_on"].help_text = (
            "Leave empty for 12 weeks; a plan can run up to "
            f"{limit.last_day:%-d %B %Y}, 52 weeks after the birth."
            if limit.postnatal
            else f"Leave empty to book until your due date, {limit.last_day:%-d %B %Y}."
        )
        if therapist is not None and week is not None:
            self.offer_only_her_week(therapist, week)
        else:
            self.fields["local_time"].widget.choices = [
                (f"{time:%H:%M}", f"{time:%H:%M}") for time in DEFAULT_TIMES
            ]
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

    def offer_only_her_week(self, therapist: Therapist, week: dict[int, list[dt.time]]) -> None:
        """Only the days she works, and each time with the days it is on: nothing she is off."""
        self.fields["therapist"].widget = forms.HiddenInput()
        self.fields["therapist"].initial = therapist.pk
        names = dict(WorkingHours.Weekday.choices)
        self.fields["weekdays"].choices = [
            (day, f"{names[day]} · sessions from {times[0]:%H:%M} to {times[-1]:%H:%M}")
            if len(times) > 1
            else (day, f"{names[day]} · a session at {times[0]:%H:%M}")
            for day, times in week.items()
        ]
        self.fields["weekdays"].error_messages["invalid_choice"] = (
            f"{therapist.display_name} doesn't work on one of those days. Choose from the days "
            "listed."
        )
        self.fields["weekdays"].help_text = (
            f"The days {therapist.display_name} works. One or two days; two sessions need a "
            "day of rest between them."
        )
        days_at: dict[dt.time, list[int]] = {}
        for day, times in week.items():
            for time in times:
                days_at.setdefault(time, []).append(day)
        self.fields["local_time"].widget.choices = [
            (f"{time:%H:%M}", f"{time:%H:%M} ({', '.join(names[d][:3] for d in days)})")
            for time, days in sorted(days_at.items())
        ]
        self.fields["local_time"].help_text = "In brackets: the days she starts a session then."

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
        if starts_on > self.limit.last_day:
            raise forms.ValidationError(
                "Choose a date within 52 weeks of the birth."
                if self.limit.postnatal
                else "Choose a date before your due date."
            )
        return starts_on

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and ends_on > self.limit.last_day:
            raise forms.ValidationError(f"A plan can't run past {self.limit.limit_words}.")
        return ends_on

    def clean(self):
        cleaned = super().clean()
        self.check_time_on_her_days(cleaned.get("weekdays") or [], cleaned.get("local_time"))
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last date must be on or after the start date.")
        return cleaned

    def check_time_on_her_days(self, weekdays: list[int], local_time: dt.time | None) -> None:
        if self.week is None or local_time is None:
            return
        names = dict(WorkingHours.Weekday.choices)
        off = [names[day] for day in weekdays if local_time not in self.week.get(day, ())]
        if off:
            self.add_error(
                "local_time",
                f"{self.therapist.display_name} doesn't start a session at {local_time:%H:%M} on "
                f"{' or '.join(off)}. Choose a time listed with that day.",
            )


class BirthForm(DateBoundsMixin, forms.Form):
    """My baby has arrived: the birth date and how she gave birth."""

    birth_date = forms.DateField(
        label="Your baby's birth date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    delivery = forms.ChoiceField(
        label="How was your baby born?",
        choices=PregnancyProfile.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please say whether it was a vaginal or a caesarean birth."},
    )

    def __init__(self, *args, due_date: dt.date, today: dt.date, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.due_date = due_date
        self.today = today
        self.helper = FormHelper()
        self.helper.add_input(Submit("record", submit_label, css_class="w-100"))

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        problem = birth_date_problem(
            birth_date=birth_date, due_date=self.due_date, today=self.today
        )
        if problem:
            raise forms.ValidationError(problem)
        return birth_date


class ReminderPreferencesForm(forms.Form):
    same_day_reminders = forms.BooleanField(
        label="Remind me on the day too",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    message_channels = forms.ChoiceField(
        label="How should we reach you?",
        choices=User.MessageChannels.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        required=False,
        help_text="Texts say only when and where your session is, with a link to the details.",
    )
    phone = PhoneNumberField(
        label="Your mobile number",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={
            "invalid": "That doesn't look like a mobile number. Please check it, e.g. "
            "07400 900456 or +44 7400 900456."
        },
    )
    sms_consent = forms.BooleanField(
        label="I agree to get text messages about my sessions. I can reply STOP at any time.",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, has_profile: bool, already_opted_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_profile = has_profile
        self.already_opted_in = already_opted_in
        if not has_profile:
            del self.fields["phone"]
        if already_opted_in:
            del self.fields["sms_consent"]

    def clean(self):
        cleaned = super().clean()
        wants_texts = cleaned.get("message_channels") in (
            User.MessageChannels.SMS,
            User.MessageChannels.BOTH,
        )
        if not wants_texts or "message_channels" in self.errors:
            return cleaned
        if not self.has_profile:
            self.add_error(
                "message_channels",
                "Texts go to the mobile number in your pregnancy details: add those first.",
            )
        elif not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Give your mobile number for texts.")
        if not self.already_opted_in and not cleaned.get("sms_consent"):
            self.add_error("sms_consent", "Tick the box to agree to texts, or choose e-mail.")
        return cleaned
