"""The clinic admin's view of reminders sent and failed."""

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.permissions import ClinicAdminRequiredMixin
from booking.models import Reminder

CLINIC_REMINDER_ROWS = 200


class ClinicRemindersView(ClinicAdminRequiredMixin, TemplateView):
    """Messages about upcoming sessions at her clinics only, reminders and notices alike:
    failed first, then sent."""

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
