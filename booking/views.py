"""Finding a time, booking, my bookings, and the therapist's day."""

from django.views.generic import DetailView, ListView, TemplateView

from accounts.permissions import ClientRequiredMixin, TherapistRequiredMixin
from booking.models import Booking
from clinics.models import Clinic


class ClinicListView(ListView):
    template_name = "booking/clinic_list.html"
    context_object_name = "clinics"

    def get_queryset(self):
        return Clinic.objects.all()


class ClinicDetailView(DetailView):
    template_name = "booking/clinic_detail.html"
    context_object_name = "clinic"

    def get_queryset(self):
        return Clinic.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["therapists"] = self.object.therapists.active()
        return context


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
