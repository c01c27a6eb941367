"""Her pregnancy profile and health questions; the therapist's clearance form."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.html import escape
from phonenumber_field.formfields import PhoneNumberField

from common.forms import DateBoundsMixin, DateInput
from safety import engine
from safety.dating import due_date_entry_problem, due_date_from_last_period, weeks_and_days
from safety.documents import check_upload, max_megabytes
from safety.models import PregnancyProfile
from safety.services import SafetyError

YES = "yes"
NO = "no"
# A scan and a last-period date further apart than this are shown to her before the scan wins.
DATES_MAY_DIFFER_BY_DAYS = 14


class PregnancyProfileForm(DateBoundsMixin, forms.Form):
    due_date = forms.DateField(
        label="Your due date",
        required=False,
        widget=DateInput(),
        help_text="From your scan or your midwife, if you have one.",
    )
    last_period_started_on = forms.DateField(
        label="Or: the first day of your last period",
        required=False,
        widget=DateInput(),
        help_text="We work out your due date from it. A due date from your scan wins.",
    )
    phone = PhoneNumberField(
        label="Your mobile number",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text="With the country code if it is not a UK number, e.g. +1 718 555 0142.",
        error_messages={
            "invalid": "That doesn't look like a phone number. Please check it, e.g. "
            "07400 900456 or +44 7400 900456."
        },
    )
    # Shown only when her scan date and her last-period date disagree (see clean()).
    confirm_scan_date = forms.BooleanField(
        label="Use the due date from my scan", required=False, widget=forms.HiddenInput
    )
    emergency_contact_name = forms.CharField(label="Emergency contact: name", max_length=120)
    emergency_contact_phone = forms.CharField(
        label="Emergency contact: phone",
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    @classmethod
    def initial_from(cls, profile: PregnancyProfile | None) -> dict:
        if profile is None:
            return {}
        return {
            "due_date": profile.due_date
            if profile.due_date_source == PregnancyProfile.DueDateSource.SCAN
            else None,
            "last_period_started_on": profile.last_period_started_on,
            # A number from before numbers were checked shows as she gave it, to correct.
            "phone": profile.phone or profile.phone_as_given,
            "emergency_contact_name": profile.emergency_contact_name,
            "emergency_contact_phone": profile.emergency_contact_phone,
        }

    def check_dates_agree(self, due_date, lmp, *, confirmed: bool) -> None:
        """Her scan wins, but not silently when the two dates are more than 2 weeks apart."""
        from_lmp = due_date_from_last_period(lmp)
        apart = abs((due_date - from_lmp).days)
        if apart <= DATES_MAY_DIFFER_BY_DAYS or confirmed:
            return
        self.fields["confirm_scan_date"].widget = forms.CheckboxInput()
        self.fields[
            "confirm_scan_date"
        ].label = f"Use the due date from my scan, {due_date.day} {due_date:%B %Y}"
        self.add_error(
            "due_date",
            f"Your last period gives a due date of {from_lmp.day} {from_lmp:%B %Y}, "
            f"{weeks_and_days(apart)} from your scan's. The scan is usually "
            "right: tick the box below to use it, or check the dates.",
        )

    def clean_last_period_started_on(self):
        lmp = self.cleaned_data.get("last_period_started_on")
        if lmp and lmp > self.today:
            raise forms.ValidationError("That date is in the future. Please check it.")
        return lmp

    def clean(self):
        cleaned = super().clean()
        due_date = cleaned.get("due_date")
        lmp = cleaned.get("last_period_started_on")
        if "last_period_started_on" in self.errors:
            return cleaned
        if due_date:
            cleaned["due_date_source"] = PregnancyProfile.DueDateSource.SCAN
            field = "due_date"
            if lmp:
                self.check_dates_agree(due_date, lmp, confirmed=cleaned.get("confirm_scan_date"))
        elif lmp:
            due_date = due_date_from_last_period(lmp)
            cleaned["due_date_source"] = PregnancyProfile.DueDateSource.LAST_PERIOD
            field = "last_period_started_on"
        else:
            self.add_error(
                "due_date",
                "Please give your due date, or the first day of your last period.",
            )
            return cleaned
        problem = due_date_entry_problem(due_date, today=self.today)
        if problem:
            self.add_error(field, problem)
        cleaned["resolved_due_date"] = due_date
        return cleaned


class IntakeForm(forms.Form):
    """Every question of the rule table, yes or no, with an optional note; grouped."""

    # Asked afresh with every version of her answers, never pre-ticked.
    consent = forms.BooleanField(
        label=(
            "I agree that Bolster stores these answers about my health so my therapist and "
            "clinic can keep my sessions safe. Only the therapists of my sessions and my "
            "clinic's admins can see them, and I can download or delete them at any time."
        ),
        error_messages={"required": "Please tick this box so we can store your answers."},
    )

    def __init__(self, *args, previous=None, after_birth=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = engine.intake_questions(after_birth=after_birth)
        answered = set(previous.conditions) if previous else set()
        notes = previous.notes if previous else {}
        for group in engine.QUESTION_GROUPS:
            self.fields[self.none_name(group)] = forms.BooleanField(
                label="None of these",
                required=False,
                help_text="Tick this and you needn't answer each question of this group.",
            )
        for rule in self.rules:
            # Required unless "none of these" covers its group: checked in clean().
            self.fields[self.answer_name(rule.condition)] = forms.ChoiceField(
                label=rule.question,
                choices=[(YES, "Yes"), (NO, "No")],
                widget=forms.RadioSelect,
                initial=(YES if rule.condition in answered else NO) if previous else None,
                required=False,
            )
            self.fields[self.note_name(rule.condition)] = forms.CharField(
                label="Tell us more (optional)",
                required=False,
                max_length=500,
                initial=notes.get(rule.condition, ""),
            )
        self.helper = FormHelper()
        # The page adds the ``next`` field and the button around the questions.
        self.helper.form_tag = False
        groups = []
        for group, heading in engine.QUESTION_GROUPS.items():
            questions = [
                Div(
                    Field(self.answer_name(rule.condition), template="safety/includes/yes_no.html"),
                    # Shown only once she answers yes (CSS, so it works without JavaScript).
                    Field(self.note_name(rule.condition), wrapper_class="intake-note"),
                    css_class="intake-question border-bottom pb-2 mb-3",
                )
                for rule in self.rules
                if rule.group == group
            ]
            groups.append(
                Fieldset(
                    escape(heading),
                    Div(
                        Field(self.none_name(group), template="safety/includes/tick_box.html"),
                        css_class="none-of-these mb-3",
                    ),
                    *questions,
                    css_class="mb-4 intake-group",
                )
            )
        self.helper.layout = Layout(
            *groups,
            HTML('<h2 class="h5">Your consent</h2>'),
            Field("consent", template="safety/includes/tick_box.html"),
        )

    def clean(self):
        cleaned = super().clean()
        for group, heading in engine.QUESTION_GROUPS.items():
            rules = [rule for rule in self.rules if rule.group == group]
            said_yes = [r for r in rules if cleaned.get(self.answer_name(r.condition)) == YES]
            if cleaned.get(self.none_name(group)):
                if said_yes:
                    self.add_error(
                        self.none_name(group),
                        f"You ticked “none of these” but answered yes in “{heading}”. "
                        "Untick it, or change that answer to no.",
                    )
                continue
            for rule in rules:
                if not cleaned.get(self.answer_name(rule.condition)):
                    self.add_error(self.answer_name(rule.condition), "Please answer yes or no.")
        return cleaned

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, question, message) for each field in error, in the order of the page."""
        order = []
        for group in engine.QUESTION_GROUPS:
            order.append(self.none_name(group))
            for rule in self.rules:
                if rule.group == group:
                    order += [self.answer_name(rule.condition), self.note_name(rule.condition)]
        order.append("consent")
        summary = []
        for name in order:
            for message in self.errors.get(name, ()):
                anchor = f"id_{name}_0" if name.startswith("q_") else f"id_{name}"
                label = self.fields[name].label
                if name.startswith("none_"):
                    label = f"None of these ({engine.QUESTION_GROUPS[name[5:]]})"
                elif name == "consent":
                    label = "Your consent"
                summary.append((anchor, label, message))
        return summary

    @staticmethod
    def none_name(group: str) -> str:
        return f"none_{group}"

    @staticmethod
    def answer_name(condition: str) -> str:
        return f"q_{condition}"

    @staticmethod
    def note_name(condition: str) -> str:
        return f"note_{condition}"

    def conditions(self) -> list[str]:
        return [
            rule.condition
            for rule in self.rules
            if self.cleaned_data.get(self.answer_name(rule.condition)) == YES
        ]

    def notes(self) -> dict[str, str]:
        return {
            rule.condition: self.cleaned_data.get(self.note_name(rule.condition), "")
            for rule in self.rules
        }


class ClearanceDocumentForm(forms.Form):
    file = forms.FileField(
        label="Photo or PDF of the letter",
        help_text="A clear photo of the whole page, or the PDF your midwife or doctor sent.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
        error_messages={"required": "Please choose a photo or PDF of the letter."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" Up to {max_megabytes()} MB."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except SafetyError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class ClearanceForm(DateBoundsMixin, forms.Form):
    code = forms.ChoiceField(label="The flag it clears")
    document = forms.TypedChoiceField(
        label="Her letter it was verified from",
        required=False,
        coerce=int,
        empty_value=None,
    )
    issued_by = forms.CharField(
        label="Issued by (name and role)",
        max_length=160,
        help_text="For example: Dr Ana Reyes, obstetrician.",
    )
    issued_on = forms.DateField(label="Date on the clearance", widget=DateInput())
    valid_until = forms.DateField(
        label="Valid until",
        required=False,
        widget=DateInput(),
        help_text="Leave empty if it holds until the birth.",
    )
    note = forms.CharField(
        label="Limits or notes from the clinician",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, flags=(), documents=(), action="", today, **kwargs):
        """``today`` is the date where the session's clinic is: it is the latest date allowed,
        and the date proposed. ``documents`` are her uploaded letters, one of which the
        clearance may be verified from."""
        kwargs.setdefault("initial", {}).setdefault("issued_on", today)
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["code"].choices = [(flag.code, flag.title) for flag in flags]
        self.documents = {document.pk: document for document in documents}
        if self.documents:
            self.fields["document"].choices = [("", "None: a letter shown to me in person")] + [
                (pk, f"Letter sent {document.uploaded_at:%-d %b %Y, %H:%M}")
                for pk, document in self.documents.items()
            ]
        else:
            del self.fields["document"]
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Record clearance", css_class="btn-primary w-100"))

    def clean(self):
        cleaned = super().clean()
        issued_on, valid_until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued_on and issued_on > self.today:
            self.add_error("issued_on", "The clearance cannot be dated in the future.")
        if issued_on and valid_until and valid_until < issued_on:
            self.add_error("valid_until", "This must be on or after the date on the clearance.")
        return cleaned
