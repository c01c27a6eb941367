"""Forms of the back office: therapists, policies and safety raises, hours, time off, slots."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.conf import settings

from accounts.models import normalise_email
from clinics.models import Clinic, Therapist, TimeOff, WorkingHours
from clinics.policies import MAX_REMINDER_HOURS, MAX_REMINDERS
from common.forms import DateBoundsMixin, DateInput, SubmitHelperMixin, TimeInput
from safety.engine import RULES_BY_CODE, SEVERITY_RANK, SEVERITY_WORDS


class TherapistInviteForm(SubmitHelperMixin, forms.Form):
    submit_label = "Send the invitation"

    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    display_name = forms.CharField(
        max_length=120,
        required=False,
        help_text="As clients see it. Leave empty to use her first and last name.",
    )
    bio = forms.CharField(
        label="Short bio",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=Therapist._meta.get_field("bio").max_length,
    )
    certification_name = forms.CharField(
        label="Prenatal massage certification", max_length=160, required=False
    )
    certification_year = forms.IntegerField(min_value=1970, max_value=2100, required=False)

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class TherapistProfileForm(SubmitHelperMixin, forms.ModelForm):
    submit_label = "Save profile"

    class Meta:
        model = Therapist
        fields = ["display_name", "bio", "certification_name", "certification_year", "photo"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        labels = {"bio": "Short bio"}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        limit = settings.THERAPIST_PHOTO_MAX_BYTES
        if photo and getattr(photo, "size", 0) > limit:
            raise forms.ValidationError(
                f"This photo is too large: please choose one under {limit // (1024 * 1024)} MB."
            )
        return photo


class ReminderHoursField(forms.CharField):
    """Reminder times typed as whole hours separated by commas, e.g. “24, 2”."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(hours) for hours in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text.strip():
            return []
        try:
            hours = [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise forms.ValidationError(
                "Type whole hours separated by commas, e.g. 24, 2."
            ) from None
        return sorted(set(hours), reverse=True)


# Emergency numbers are short codes: 3 digits almost everywhere (999, 911, 112, 000), a few
# 2- or 4-digit ones elsewhere.
EMERGENCY_NUMBER = re.compile(r"[0-9]{2,4}")


class ClinicSettingsForm(SubmitHelperMixin, forms.ModelForm):
    """Contact details, booking policies and the safety rules this clinic makes stricter."""

    submit_label = "Save settings"

    reminder_hours = ReminderHoursField(
        label="Reminders (hours before the session)",
        required=False,
        help_text=(
            f"Whole hours separated by commas, e.g. 24, 2. At most {MAX_REMINDERS}, "
            f"each 1 to {MAX_REMINDER_HOURS}. Leave empty for no reminders."
        ),
    )

    session_minutes = forms.IntegerField(
        label="Session length (minutes)", min_value=15, max_value=240
    )
    turnover_minutes = forms.IntegerField(
        label="Gap between sessions (minutes)", min_value=0, max_value=120
    )
    cancellation_notice_hours = forms.IntegerField(
        label="Cancellation notice (hours)",
        min_value=0,
        max_value=14 * 24,
        help_text="Clients cannot cancel or move online closer than this.",
    )
    booking_notice_hours = forms.IntegerField(
        label="Minimum notice to book (hours)",
        min_value=0,
        max_value=14 * 24,
        required=False,
        help_text="Clients cannot book a session starting sooner than this. 0: any free time.",
    )
    booking_horizon_weeks = forms.IntegerField(
        label="Clients may book up to (weeks ahead)", min_value=1, max_value=52
    )
    no_show_limit = forms.IntegerField(
        label="No-shows before she must book by phone",
        min_value=1,
        max_value=20,
        required=False,
        help_text="Staff can still book for her. Leave empty for no limit.",
    )

    # Left empty (a form saved before these settings existed), they keep the clinic's value.
    quiet_hours_start = forms.TimeField(
        label="Quiet hours: from", required=False, widget=TimeInput()
    )
    quiet_hours_end = forms.TimeField(
        label="Quiet hours: until",
        required=False,
        widget=TimeInput(),
        help_text="Texts that can wait are held until then. A session today that is cancelled "
        "or blocked is texted at once.",
    )
    waitlist_offers = forms.ChoiceField(
        label="Waitlist offers", choices=Clinic.WaitlistOffers.choices, required=False
    )
    waitlist_hold_minutes = forms.IntegerField(
        label="Minutes a freed time is held for the first in line",
        min_value=5,
        max_value=24 * 60,
        required=False,
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "emergency_number",
            "session_minutes",
            "turnover_minutes",
            "cancellation_notice_hours",
            "booking_notice_hours",
            "booking_horizon_weeks",
            "no_show_limit",
            "reminder_hours",
            "quiet_hours_start",
            "quiet_hours_end",
            "waitlist_offers",
            "waitlist_hold_minutes",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raised = self.instance.raised_severities or {}
        self.rule_fields = []
        for code, rule in RULES_BY_CODE.items():
            default_rank = SEVERITY_RANK[rule.severity]
            choices = [
                (severity, SEVERITY_WORDS.get(severity, severity).capitalize())
                for severity, rank in sorted(SEVERITY_RANK.items(), key=lambda item: item[1])
                if rank >= default_rank
            ]
            if len(choices) == 1:
                # Already the most serious: nothing to raise.
                continue
            choices[0] = (rule.severity, f"{choices[0][1]} (default)")
            name = f"raise_{code}"
            self.fields[name] = forms.ChoiceField(
                label=rule.title,
                choices=choices,
                initial=raised.get(code, rule.severity),
                required=False,
                help_text=f"Rule “{code}”.",
            )
            self.rule_fields.append(name)
        self.helper.layout = Layout(
            Fieldset("Contact details", "name", "address", "phone", "email", "emergency_number"),
            Fieldset(
                "Booking policies",
                "session_minutes",
                "turnover_minutes",
                "cancellation_notice_hours",
                "booking_notice_hours",
                "booking_horizon_weeks",
                "reminder_hours",
            ),
            Fieldset(
                "Texts and waitlist",
                "quiet_hours_start",
                "quiet_hours_end",
                "waitlist_offers",
                "waitlist_hold_minutes",
            ),
            Fieldset("Safety rules you make stricter", *self.rule_fields),
        )

    def _kept_if_empty(self, name: str):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_quiet_hours_start(self):
        return self._kept_if_empty("quiet_hours_start")

    def clean_quiet_hours_end(self):
        return self._kept_if_empty("quiet_hours_end")

    def clean_waitlist_offers(self):
        return self._kept_if_empty("waitlist_offers")

    def clean_waitlist_hold_minutes(self):
        return self._kept_if_empty("waitlist_hold_minutes")

    def clean_emergency_number(self):
        """A short dialable number (999, 911, 112, 000): clients in danger are told to call it,
        and the page links it with ``tel:``."""
        number = "".join(self.cleaned_data.get("emergency_number", "").split())
        if not EMERGENCY_NUMBER.fullmatch(number):
            raise forms.ValidationError(
                "Please enter the local emergency number as digits only, e.g. 999, 911 or 112."
            )
        return number

    def clean_booking_notice_hours(self):
        # Left empty on a form saved before the setting existed: no minimum notice.
        return self.cleaned_data.get("booking_notice_hours") or 0

    def clean(self):
        cleaned = super().clean()
        raised = {}
        for code, rule in RULES_BY_CODE.items():
            severity = cleaned.get(f"raise_{code}") or rule.severity
            if SEVERITY_RANK.get(severity, -1) > SEVERITY_RANK[rule.severity]:
                raised[code] = severity
        self.instance.raised_severities = raised
        return cleaned


class WorkingHoursForm(DateBoundsMixin, SubmitHelperMixin, forms.ModelForm):
    submit_label = "Add these hours"

    class Meta:
        model = WorkingHours
        fields = ["weekday", "starts_at", "ends_at", "valid_from", "valid_until"]
        widgets = {
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
        }
        labels = {
            "starts_at": "Start time",
            "ends_at": "End time",
            "valid_from": "Apply from",
            "valid_until": "Apply until",
        }
        help_texts = {
            "valid_from": "Optional: the first day these hours apply.",
            "valid_until": "Optional: the last day these hours apply.",
        }

    def __init__(self, *args, therapist: Therapist, **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist = therapist

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The end must be after the start.")
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", "The last day must be on or after the first day.")
        if self.errors or cleaned.get("weekday") is None:
            return cleaned
        candidate = WorkingHours(
            pk=self.instance.pk,
            therapist=self.therapist,
            **{name: cleaned.get(name) for name in self.Meta.fields},
        )
        clash = candidate.overlapping().first()
        if clash is not None:
            raise forms.ValidationError(f"These hours overlap {clash}.")
        return cleaned


class TimeOffForm(DateBoundsMixin, SubmitHelperMixin, forms.ModelForm):
    submit_label = "Add time off"

    class Meta:
        model = TimeOff
        fields = ["starts_on", "from_time", "ends_on", "until_time", "reason"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "from_time": TimeInput(),
            "until_time": TimeInput(),
        }
        labels = {
            "starts_on": "First day off",
            "ends_on": "Last day off",
            "from_time": "From (optional)",
            "until_time": "Until (optional)",
        }
        help_texts = {
            "from_time": "Leave empty for the whole first day; e.g. 13:00 for an afternoon off.",
            "until_time": "Leave empty for the whole last day.",
            "reason": "Holiday, sick leave, training, an appointment…",
        }

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be on or after the first day.")
        from_time, until_time = cleaned.get("from_time"), cleaned.get("until_time")
        if starts_on == ends_on and from_time and until_time and until_time <= from_time:
            self.add_error("until_time", "The end must be after the start.")
        return cleaned


class DateRangeMixin(DateBoundsMixin):
    """A first and last clinic-local date, at most a year apart."""

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error("ends_on", "The last day must be on or after the first day.")
            elif (ends_on - starts_on).days > 365:
                self.add_error("ends_on", "Please choose at most a year at a time.")
        return cleaned


class GenerateSlotsForm(DateRangeMixin, SubmitHelperMixin, forms.Form):
    submit_label = "Lay out slots"

    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.none(), required=False, empty_label="All therapists"
    )
    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="Until (inclusive)", widget=DateInput())
    replace_open = forms.BooleanField(
        label="Also withdraw open slots that no longer fit",
        required=False,
        help_text=(
            "After changing the session length or gap: open slots that were never booked "
            "are laid out again. Booked and blocked slots stay."
        ),
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = clinic.therapists.active()
        # The box sits inside its label, so the whole 44px row is the tap target.
        self.helper.layout = Layout(
            "therapist",
            "starts_on",
            "ends_on",
            Field("replace_open", template="clinics/_checkbox_in_label.html"),
        )


class SlotRangeForm(DateRangeMixin, forms.Form):
    """Block or reopen every slot of one therapist (or all) over a range of days."""

    BLOCK = "block"
    UNBLOCK = "unblock"

    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.none(), required=False, empty_label="All therapists"
    )
    starts_on = forms.DateField(label="First day", widget=DateInput())
    from_time = forms.TimeField(
        label="From (optional)",
        required=False,
        widget=TimeInput(),
        help_text="Leave empty for the whole first day.",
    )
    ends_on = forms.DateField(label="Last day", widget=DateInput())
    until_time = forms.TimeField(
        label="Until (optional)",
        required=False,
        widget=TimeInput(),
        help_text="Leave empty for the whole last day.",
    )
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="Needed to block. Clients whose sessions are cancelled see it.",
    )
    # Set by the page's two buttons, never typed: anything else is said as a form error
    # (a hidden field's own error would show nowhere).
    action = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = clinic.therapists.all()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "therapist", "starts_on", "from_time", "ends_on", "until_time", "reason"
        )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        from_time, until_time = cleaned.get("from_time"), cleaned.get("until_time")
        if starts_on == ends_on and from_time and until_time and until_time <= from_time:
            self.add_error("until_time", "The end must be after the start.")
        cleaned["action"] = cleaned.get("action") or self.BLOCK
        if cleaned["action"] not in (self.BLOCK, self.UNBLOCK):
            raise forms.ValidationError(
                "This page can only block or reopen slots. Please use its buttons."
            )
        if cleaned["action"] == self.BLOCK and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Please say why these times are blocked.")
        return cleaned


class BlockReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=200, help_text="Clients whose sessions are cancelled see it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
