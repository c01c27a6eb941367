"""'My baby has arrived' from her account, and what follows.

The form, its recording and the summary are shared with the clinic's page for recording the
birth on her behalf (``backoffice.views.births``).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from accounts.permissions import ClientRequiredMixin
from booking import queries
from booking.forms import BirthForm
from booking.models import Booking, Plan
from booking.services.births import BABY_ARRIVED, first_postnatal_day, record_baby_arrival
from clinics.models import Clinic
from safety import births
from safety import services as safety_services


def birth_form(data, *, profile, today, submit_label):
    return BirthForm(
        data,
        due_date=profile.due_date,
        today=today,
        submit_label=submit_label,
        initial={"birth_date": today},
    )


def record_from_form(request, form, *, client, clinic=None) -> bool:
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
            context["form"] = birth_form(
                None, profile=profile, today=today, submit_label="My baby has arrived"
            )
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request)

    def post(self, request):
        profile = safety_services.pregnancy_profile(request.user)
        if profile is None:
            return redirect("safety:profile")
        form = birth_form(
            request.POST,
            profile=profile,
            today=timezone.localdate(),
            submit_label="My baby has arrived",
        )
        if form.is_valid() and record_from_form(request, form, client=request.user):
            messages.success(request, "Congratulations! Your baby's arrival is recorded.")
            return redirect("booking:baby_arrived")
        return self.page(request, form=form, status=400)
