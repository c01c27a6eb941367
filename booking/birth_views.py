"""'My baby has arrived', from her account or recorded by her clinic, and what follows."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.permissions import ClientRequiredMixin, ClinicAdminRequiredMixin
from booking import queries
from booking.forms import BirthForm
from booking.models import Booking, Plan
from booking.services.births import BABY_ARRIVED, first_postnatal_day, record_baby_arrival
from clinics.models import Clinic
from safety import births
from safety import services as safety_services


def _birth_form(data, *, profile, today, submit_label):
    return BirthForm(
        data,
        due_date=profile.due_date,
        today=today,
        submit_label=submit_label,
        initial={"birth_date": today},
    )


def _record(request, form, *, client, clinic=None) -> bool:
    """Record the birth from a valid form; a refusal goes beside the form, nothing is kept."""
    try:
        record_baby_arrival(
            client=client,
            birth_date=form.cleaned_data["birth_date"],
            delivery=form.cleaned_data["delivery"],
            recorded_by=request.user,
            clinic=clinic,
        )
    except births.BirthError as error:
        form.add_error("birth_date", str(error))
        return False
    return True


def arrival_summary(*, client, today) -> dict:
    """What the birth changed for her: cancelled sessions, ended plans, postnatal offer."""
    profile = safety_services.pregnancy_profile(client)
    cancelled = list(
        queries.client_bookings(client=client).filter(
            status=Booking.Status.CANCELLED, cancel_reason=BABY_ARRIVED
        )
    )
    intake = safety_services.latest_intake(client)
    clinics = Clinic.objects.filter(therapists__slots__bookings__client=client).distinct()
    return {
        "profile": profile,
        "cancelled": cancelled,
        "ended_plans": Plan.objects.filter(client=client, status=Plan.Status.ENDED).select_related(
            "therapist__clinic"
        ),
        "first_day": first_postnatal_day(
            profile=profile, conditions=intake.conditions if intake else [], today=today
        ),
        "clinics": clinics.order_by("name"),
    }


class BabyArrivedView(ClientRequiredMixin, View):
    """Her form, and once the birth is recorded, what changed and how to book postnatal care."""

    template_name = "booking/baby_arrived.html"

    def page(self, request, form=None, status=200):
        profile = safety_services.pregnancy_profile(request.user)
        today = timezone.localdate()
        context = {"profile": profile, "form": form}
        if profile is not None and profile.birth_date is not None:
            context.update(arrival_summary(client=request.user, today=today))
        elif profile is not None and form is None:
            context["form"] = _birth_form(
                None, profile=profile, today=today, submit_label="My baby has arrived"
            )
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request)

    def post(self, request):
        profile = safety_services.pregnancy_profile(request.user)
        if profile is None:
            return redirect("safety:profile")
        form = _birth_form(
            request.POST,
            profile=profile,
            today=timezone.localdate(),
            submit_label="My baby has arrived",
        )
        if form.is_valid() and _record(request, form, client=request.user):
            messages.success(request, "Congratulations! Your baby's arrival is recorded.")
            return redirect("booking:baby_arrived")
        return self.page(request, form=form, status=400)


class ClinicBabyArrivedView(ClinicAdminRequiredMixin, View):
    """The clinic records a client's birth on her behalf, from one of her sessions."""

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
            context["form"] = form or _birth_form(
                None, profile=self.profile, today=today, submit_label="Record the birth"
            )
        return render(request, self.template_name, context, status=status)

    def get(self, request, booking_id):
        return self.page(request, self.setup_booking(request, booking_id))

    def post(self, request, booking_id):
        booking = self.setup_booking(request, booking_id)
        form = _birth_form(
            request.POST,
            profile=self.profile,
            today=self.clinic.today(),
            submit_label="Record the birth",
        )
        if form.is_valid() and _record(request, form, client=self.client_user, clinic=self.clinic):
            messages.success(request, "The birth is recorded; she and her therapists are told.")
            self.profile.refresh_from_db()
            return redirect("booking:clinic_baby_arrived", booking_id=booking.pk)
        return self.page(request, booking, form=form, status=400)
