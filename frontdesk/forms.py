"""Front-desk forms: a new client taken on the phone, a clearance, a cancellation, a range."""

import datetime as dt

from django import forms
from phonenumber_field.formfields import PhoneNumberField

from booking.models import Booking
from common.forms import DateBoundsMixin, DateInput
from safety import engine
from safety.models import PregnancyProfile

MAX_REPORT_DAYS = 366
# Days the front desk looks at: far enough for any clinic's history and plans, and clear of
# the calendar's ends, where a day's bounds in a time zone cannot be computed.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def check_day(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(f"Choose a date between {FIRST_DAY.year} and {LAST_DAY.year}.")
    return day


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, e-mail or phone",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class NewClientForm(forms.Form):
    """A caller who has no account yet: who she is, her due date, her answers if she gave them."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="E-mail",
        required=False,
        help_text=(
            "She gets her confirmations here, and a link to set her password. Without one, "
            "tell her her times on the phone."
        ),
    )
    phone = PhoneNumberField(
        label="Phone",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        error_messages={
            "invalid": "That doesn't look like a phone number. Check it, with the country "
            "code if it is not a UK number."
        },
    )
    texts = forms.BooleanField(
        label="She agrees to text messages about her sessions, on this number",
        required=False,
        help_text="Only when and where, never health details; she can reply STOP at any time.",
    )
    due_date = forms.DateField(
        label="Due date",
        required=False,
        widget=DateInput(),
        help_text="Leave empty if her baby has arrived and she doesn't remember it.",
    )
    birth_date = forms.DateField(
        label="Baby's birth date, if her baby has arrived",
        required=False,
        widget=DateInput(),
    )
    delivery = forms.ChoiceField(
        label="Birth",
        required=False,
        choices=[("", "Not born yet"), *PregnancyProfile.Delivery.choices],
    )
    conditions = forms.MultipleChoiceField(
        label="Health questions she answered yes to",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(rule.condition, rule.question) for rule in engine.CONDITION_RULES],
    )
    consent = forms.BooleanField(
        label=(
            "I asked her every question above, and she agreed that Bolster stores her "
            "answers for her care."
        ),
        required=False,
        help_text="Leave unticked to let her answer online first; she can't be booked until then.",
    )

    def clean_phone(self) -> str:
        # Stored in E.164 ("+447400900456"), the form texts go to.
        phone = self.cleaned_data.get("phone")
        return str(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        for field in ("due_date", "birth_date"):
            try:
                check_day(cleaned.get(field))
            except forms.ValidationError as error:
                self.add_error(field, error)
        if cleaned.get("texts") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Give her mobile number for texts.")
        if not cleaned.get("email") and not cleaned.get("phone") and "email" not in self.errors:
            self.add_error("phone", "Give her phone number, her e-mail, or both.")
        birth_date, delivery = cleaned.get("birth_date"), cleaned.get("delivery")
        if birth_date and not delivery:
            self.add_error("delivery", "Say whether the birth was vaginal or by caesarean.")
        if delivery and not birth_date and "birth_date" not in self.errors:
            self.add_error("birth_date", "Give the baby's birth date, or choose “Not born yet”.")
        if not cleaned.get("due_date") and not birth_date and "due_date" not in self.errors:
            self.add_error("due_date", "Give her due date, or her baby's birth date.")
        if cleaned.get("conditions") and not cleaned.get("consent"):
            self.add_error(
                "consent",
                "Tick this once she agreed, or clear her answers and let her give them online.",
            )
        return cleaned


class PhoneClearanceForm(DateBoundsMixin, forms.Form):
    """Her maternity team's clearance for a block the rules let the clinic book by phone."""

    code = forms.ChoiceField(label="What it clears")
    issued_by = forms.CharField(
        label="Cleared by (name and role)",
        max_length=160,
        help_text="For example: Dr Ana Reyes, obstetrician, maternity team.",
    )
    issued_on = forms.DateField(label="Date on the letter", widget=DateInput())
    valid_until = forms.DateField(label="Valid until", widget=DateInput())
    document_reference = forms.CharField(
        label="Document reference", max_length=120, help_text="The letter's or record's number."
    )
    note = forms.CharField(
        label="Limits or notes from the maternity team",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, codes=(), today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["code"].choices = [(code, engine.RULES_BY_CODE[code].title) for code in codes]

    def clean(self):
        cleaned = super().clean()
        issued_on, valid_until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued_on and issued_on > self.today:
            self.add_error("issued_on", "The clearance cannot be dated in the future.")
        if issued_on and valid_until and valid_until < issued_on:
            self.add_error("valid_until", "This must be on or after the date on the letter.")
        return cleaned


class StaffCancelForm(forms.Form):
    by = forms.ChoiceField(
        label="Who is cancelling?",
        choices=[
            (Booking.CancelledBy.CLIENT, "She asked to cancel"),
            (Booking.CancelledBy.CLINIC, "The clinic has to cancel"),
        ],
        widget=forms.RadioSelect,
        initial=Booking.CancelledBy.CLIENT,
    )
    reason = forms.CharField(label="Reason (she sees it)", max_length=200, required=False)


class AddEmailForm(forms.Form):
    email = forms.EmailField(
        label="Her e-mail", help_text="We send her a link to set her password and book online."
    )


class StaffCancelPlanForm(forms.Form):
    by = StaffCancelForm.base_fields["by"]


class DayForm(forms.Form):
    day = forms.DateField(label="Day", required=False, widget=DateInput())

    def clean_day(self):
        return check_day(self.cleaned_data.get("day"))


class ReportRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())

    def clean_start(self):
        return check_day(self.cleaned_data.get("start"))

    def clean_end(self):
        return check_day(self.cleaned_data.get("end"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "Choose a date on or after the start.")
        elif start and end and (end - start).days >= MAX_REPORT_DAYS:
            self.add_error("end", "Choose a range of at most a year.")
        return cleaned
