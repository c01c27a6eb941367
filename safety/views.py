"""Her pregnancy profile and health answers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView

from accounts.permissions import ClientRequiredMixin
from common.redirects import safe_next_url
from safety import services
from safety.dating import gestational_age_on
from safety.forms import IntakeForm, PregnancyProfileForm


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class ProfileView(ClientRequiredMixin, FormView):
    """Her due date and contacts; then on to the questions if she has not answered them."""

    template_name = "safety/profile.html"
    form_class = PregnancyProfileForm

    def get_initial(self):
        return PregnancyProfileForm.initial_from(services.pregnancy_profile(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = services.pregnancy_profile(self.request.user)
        context["profile"] = profile
        context["intake"] = services.latest_intake(self.request.user)
        rules = services.red_flag_rules(self.request.user)
        # Her sessions on hold are booking's: the "what to do now" page lists them.
        context["red_flag"] = (
            {"rules": rules, "emergency": any(rule.emergency for rule in rules)} if rules else None
        )
        context["next"] = safe_next_url(self.request)
        if profile is not None:
            try:
                context["ga_today"] = gestational_age_on(profile.due_date, timezone.localdate())
            except ValueError:
                context["ga_today"] = None
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            profile = services.save_pregnancy_profile(
                client=self.request.user,
                due_date=data["resolved_due_date"],
                due_date_source=data["due_date_source"],
                last_period_started_on=data.get("last_period_started_on"),
                phone=data["phone"],
                emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
            )
        except services.SafetyError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Your pregnancy details are saved.")
        if profile.follow_up_urls:
            # Her plans followed the new due date: show her what she lost or gained.
            return redirect(profile.follow_up_urls[0])
        next_url = safe_next_url(self.request)
        if services.latest_intake(self.request.user) is None:
            return redirect(_with_next(reverse("safety:intake"), next_url))
        return redirect(next_url or reverse("safety:profile"))


class IntakeView(ClientRequiredMixin, FormView):
    """Her health questions; each save is a new version and re-checks her future sessions."""

    template_name = "safety/intake.html"
    form_class = IntakeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["previous"] = services.latest_intake(self.request.user)
        profile = services.pregnancy_profile(self.request.user)
        kwargs["after_birth"] = profile is not None and profile.birth_date is not None
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake"] = services.latest_intake(self.request.user)
        context["next"] = safe_next_url(self.request)
        context["onboarding"] = services.onboarding_step(self.request.user) is not None
        return context

    def form_valid(self, form):
        try:
            services.record_intake(
                client=self.request.user,
                conditions=form.conditions(),
                notes=form.notes(),
                consent=form.cleaned_data["consent"],
            )
        except services.SafetyError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if services.red_flag_rules(self.request.user):
            # No thank-you and no way on to booking: what she must do now comes first.
            return redirect("health:alert")
        messages.success(self.request, "Thank you — your answers are saved.")
        next_url = safe_next_url(self.request)
        if services.pregnancy_profile(self.request.user) is None:
            return redirect(_with_next(reverse("safety:profile"), next_url))
        return redirect(next_url or reverse("safety:profile"))
