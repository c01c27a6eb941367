"""A clinic admin records a client's birth on her behalf, from one of her sessions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.permissions import ClinicAdminRequiredMixin
from booking.birth_views import arrival_summary, birth_form, record_from_form
from booking.models import Booking
from safety import services as safety_services


class ClinicBabyArrivedView(ClinicAdminRequiredMixin, View):
    """The birth form for a client of one of her clinics, then what the birth changed."""

    template_name = "booking/clinic_baby_arrived.html"

    def setup_booking(self, request, booking_id):
        booking = get_object_or_404(
            Booking.objects.select_related("client", "slot__therapist__clinic"), pk=booking_id
        )
        self.clinic = booking.slot.therapist.clinic
        if not self.clinic.admins.filter(pk=request.user.pk).exists():
            raise Http404("No such session.")
        self.client_user = booking.client
        self.profile = safety_services.pregnancy_profile(booking.client)
        if self.profile is None:
            raise Http404("She has no pregnancy profile.")
        return booking

    def page(self, request, booking, form=None, status=200):
        today = self.clinic.today()
        context = {"booking": booking, "clinic": self.clinic, "client": self.client_user}
        context["profile"] = self.profile
        if self.profile.birth_date is not None:
            context.update(arrival_summary(client=self.client_user, today=today))
        else:
            context["form"] = form or birth_form(
                None, profile=self.profile, today=today, submit_label="Record the birth"
            )
        return render(request, self.template_name, context, status=status)

    def get(self, request, booking_id):
        return self.page(request, self.setup_booking(request, booking_id))

    def post(self, request, booking_id):
        booking = self.setup_booking(request, booking_id)
        form = birth_form(
            request.POST,
            profile=self.profile,
            today=self.clinic.today(),
            submit_label="Record the birth",
        )
        if form.is_valid() and record_from_form(
            request, form, client=self.client_user, clinic=self.clinic
        ):
            messages.success(request, "The birth is recorded; she and her therapists are told.")
            return redirect("sessions:baby_arrived", booking_id=booking.pk)
        return self.page(request, booking, form=form, status=400)
