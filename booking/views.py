"""Finding a time, booking, my bookings, and the therapist's day."""

from django.views.generic import TemplateView

from accounts.permissions import ClientRequiredMixin, TherapistRequiredMixin
from booking.models import Booking


class MyBookingsView(ClientRequiredMixin, TemplateView):
    template_name = "booking/my_bookings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bookings"] = Booking.objects.filter(client=self.request.user)
        return context


class TherapistDayView(TherapistRequiredMixin, TemplateView):
    template_name = "booking/therapist_day.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bookings"] = Booking.objects.filter(
            slot__therapist=self.request.user.therapist, status=Booking.Status.BOOKED
        )
        return context
