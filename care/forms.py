"""The check-in (one phone screen), the hold's outcome, and the treatment note."""

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms

from care.models import Area, Effect, PainArea, Position, SessionHold
from care.services import AdaptCheck, NoteContent
from common.forms import DateBoundsMixin

PAIN_CHOICES = [(value, str(value)) for value in range(11)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CheckInForm(forms.Form):
    red_flags = forms.MultipleChoiceField(
        label="Right now, do you have any of these?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    none_apply = forms.BooleanField(label="None of these", required=False)
    anything_new = forms.BooleanField(
        label="Something else has changed since my last health answers (we'll open them next)",
        required=False,
    )
    pain = forms.TypedChoiceField(
        label="Your sciatic pain at its worst in the last 24 hours (0 = none, 10 = worst)",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 to 10."},
    )
    pain_areas = forms.MultipleChoiceField(
        label="Where does it go?",
        choices=PainArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sleep_effect = forms.ChoiceField(
        label="Does it disturb your sleep?",
        choices=Effect.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose one."},
    )
    walking_effect = forms.ChoiceField(
        label="Does it make walking hard?",
        choices=Effect.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose one."},
    )

    def __init__(self, *args, questions, submit_label="Send my check-in", **kwargs):
        """``questions`` are the session's red-flag rules (``checkin_questions``)."""
        super().__init__(*args, **kwargs)
        self.fields["red_flags"].choices = [(rule.condition, rule.question) for rule in questions]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Right now", "red_flags", "none_apply", css_class="mb-3"),
            Fieldset(
                "Your sciatica today",
                InlineRadios("pain", css_class="pain-scale"),
                InlineCheckboxes("pain_areas"),
                InlineRadios("sleep_effect"),
                InlineRadios("walking_effect"),
                css_class="mb-3",
            ),
            Field("anything_new"),
        )
        self.helper.add_input(Submit("submit", submit_label, css_class="btn-primary w-100"))

    def clean(self):
        cleaned = super().clean()
        ticked, none_apply = cleaned.get("red_flags"), cleaned.get("none_apply")
        if ticked and none_apply:
            self.add_error("none_apply", "You ticked a problem above and “None of these”.")
        elif not ticked and not none_apply:
            # An unanswered red-flag list must never pass as "no".
            self.add_error("red_flags", "Tick what applies, or “None of these”.")
        return cleaned


class HoldOutcomeForm(DateBoundsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=SessionHold.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened."},
    )
    cleared_by = forms.CharField(
        label="Cleared by (name and role)",
        required=False,
        max_length=160,
        help_text="Her midwife or doctor who saw her, e.g. Jo Hart, community midwife.",
    )
    cleared_on = forms.DateField(label="Date she was seen", required=False, widget=DateInput())
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, action="", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Record the outcome", css_class="btn-primary w-100"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == SessionHold.Outcome.CLEARED:
            if not (cleaned.get("cleared_by") or "").strip():
                self.add_error("cleared_by", "Give the name and role of the clinician.")
            if not cleaned.get("cleared_on") and "cleared_on" not in self.errors:
                self.add_error("cleared_on", "Give the date she was seen.")
        return cleaned


class TreatmentNoteForm(forms.Form):
    positions = forms.MultipleChoiceField(
        label="Position used",
        choices=Position.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the position(s) used."},
    )
    bolsters = forms.CharField(
        label="Bolsters", required=False, max_length=300, help_text="e.g. head, belly, top knee."
    )
    areas_worked = forms.MultipleChoiceField(
        label="Areas worked", choices=Area.choices, widget=forms.CheckboxSelectMultiple
    )
    techniques = forms.CharField(
        label="Techniques and pressure",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say which techniques and pressure you used."},
    )
    areas_avoided = forms.CharField(
        label="Areas avoided",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    pain_after = forms.TypedChoiceField(
        label="Her pain after the session (0–10)",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 to 10."},
    )
    free_text = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, adapt=(), amending=False, submit_label="Sign the note", **kwargs):
        """``adapt`` is a list of (code, title, instruction): one checkbox each."""
        super().__init__(*args, **kwargs)
        self.adapt = list(adapt)
        checks = []
        for code, title, instruction in self.adapt:
            self.fields[f"followed_{code}"] = forms.BooleanField(
                label=f"{title}: {instruction} — followed", required=False
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label="If not followed: why?", required=False, max_length=500
            )
            checks.append(
                Div(
                    Field(f"followed_{code}"),
                    Field(f"reason_{code}"),
                    css_class="border-bottom pb-2 mb-2",
                )
            )
        if amending:
            self.fields["amendment_reason"] = forms.CharField(
                label="Why are you amending the note?",
                max_length=300,
                error_messages={"required": "Say why you are amending the note."},
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            InlineCheckboxes("positions"),
            "bolsters",
            InlineCheckboxes("areas_worked"),
            "techniques",
            "areas_avoided",
            InlineRadios("pain_after", css_class="pain-scale"),
            "free_text",
            Fieldset("Adapt flags of this session", *checks) if checks else HTML(""),
            *(["amendment_reason"] if amending else []),
        )
        self.helper.add_input(Submit("submit", submit_label, css_class="btn-primary w-100"))

    @staticmethod
    def initial_from(note) -> dict:
        initial = {
            "positions": note.positions,
            "bolsters": note.bolsters,
            "areas_worked": note.areas_worked,
            "techniques": note.techniques,
            "areas_avoided": note.areas_avoided,
            "pain_after": note.pain_after,
            "free_text": note.free_text,
        }
        for check in note.adapt_checks:
            initial[f"followed_{check['code']}"] = check["followed"]
            initial[f"reason_{check['code']}"] = check["reason"]
        return initial

    def clean(self):
        cleaned = super().clean()
        for code, title, _ in self.adapt:
            if (
                not cleaned.get(f"followed_{code}")
                and not cleaned.get(f"reason_{code}", "").strip()
            ):
                self.add_error(f"reason_{code}", f"“{title}” is not ticked: say why.")
        return cleaned

    def content(self) -> NoteContent:
        data = self.cleaned_data
        return NoteContent(
            positions=data["positions"],
            bolsters=data["bolsters"],
            areas_worked=data["areas_worked"],
            techniques=data["techniques"],
            areas_avoided=data["areas_avoided"],
            pain_after=data["pain_after"],
            free_text=data["free_text"],
            adapt_checks=[
                AdaptCheck(
                    code=code,
                    title=title,
                    followed=bool(data.get(f"followed_{code}")),
                    reason=data.get(f"reason_{code}", ""),
                )
                for code, title, _ in self.adapt
            ],
        )
