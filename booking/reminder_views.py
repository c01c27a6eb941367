"""Her reminder settings, and the clinic admin's view of reminders sent and failed."""

from django import forms
from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from accounts.permissions import ClientRequiredMixin, ClinicAdminRequiredMixin
from booking.models import Reminder
from booking.services.reminders import set_same_day_reminders

CLINIC_REMINDER_ROWS = 200


class ReminderPreferencesForm(forms.Form):
    same_day_reminders = forms.BooleanField(label="Remind me on the day too", required=False)


class ReminderPreferencesView(ClientRequiredMixin, FormView):
    template_name = "booking/reminders/preferences.html"
    form_class = ReminderPreferencesForm

    def get_initial(self):
        return {"same_day_reminders": self.request.user.same_day_reminders}

    def form_valid(self, form):
        enabled = form.cleaned_data["same_day_reminders"]
        set_same_day_reminders(client=self.request.user, enabled=enabled)
        messages.success(
            self.request,
            "You'll get a reminder on the day too."
            if enabled
            else "No more reminders on the day; you'll still get the one the day before.",
        )
        return redirect("booking:reminder_preferences")


class ClinicRemindersView(ClinicAdminRequiredMixin, TemplateView):
    """Reminders of upcoming sessions at her clinics only: failed first, then sent."""

    template_name = "booking/reminders/clinic_reminders.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upcoming = Reminder.objects.filter(
            booking__slot__therapist__clinic__in=self.request.user.administered_clinics.all(),
            booking__starts_at__gte=timezone.now(),
        )
        context["counts"] = upcoming.aggregate(
            sent=Count("pk", filter=Q(status=Reminder.Status.SENT)),
            failed=Count("pk", filter=Q(status=Reminder.Status.FAILED)),
            waiting=Count(
                "pk", filter=Q(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING])
            ),
        )
        context["reminders"] = (
            upcoming.filter(status__in=[Reminder.Status.SENT, Reminder.Status.FAILED])
            .annotate(
                failed_first=Case(
                    When(status=Reminder.Status.FAILED, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .select_related("booking__client", "booking__slot__therapist__clinic")
            .order_by("failed_first", "booking__starts_at", "kind")[:CLINIC_REMINDER_ROWS]
        )
        return context
