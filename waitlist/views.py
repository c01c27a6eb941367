"""Her waitlist pages (join, her entries, an offer's one-tap page) and the clinic's day view."""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import ClientRequiredMixin, ClinicAdminRequiredMixin
from booking.services.errors import BookingError
from clinics.models import Clinic
from common.errors import DomainError
from waitlist import services
from waitlist.forms import JoinWaitlistForm
from waitlist.models import Entry, Offer

# A day outside these (a typo like 9999) shows today instead.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)


class JoinView(ClientRequiredMixin, FormView):
    template_name = "waitlist/join.html"
    form_class = JoinWaitlistForm

    def dispatch(self, request, *args, **kwargs):
        self.clinic = get_object_or_404(Clinic, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"clinic": self.clinic}

    def get_initial(self):
        today = self.clinic.today()
        return {
            "starts_on": today,
            "ends_on": today + dt.timedelta(weeks=2),
            "parts_of_day": ["morning", "afternoon", "evening"],
            "weekdays": [str(day) for day in range(5)],
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"clinic": self.clinic}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.join_waitlist(
                client=self.request.user,
                clinic=self.clinic,
                therapist=data["therapist"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                weekdays=[int(day) for day in data["weekdays"]],
                parts_of_day=data["parts_of_day"],
            )
        except services.WaitlistError as error:
            form.add_error(error.field, str(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request, "You're on the waitlist. We'll send you any time that frees up."
        )
        return redirect("waitlist:mine")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MyWaitlistView(ClientRequiredMixin, TemplateView):
    template_name = "waitlist/mine.html"

    def get_context_data(self, **kwargs):
        entries = (
            Entry.objects.filter(client=self.request.user)
            .select_related("clinic", "therapist")
            .order_by("-created_at")
        )
        return super().get_context_data(**kwargs) | {"entries": entries}


class LeaveView(ClientRequiredMixin, View):
    def post(self, request, pk):
        entry = get_object_or_404(Entry, pk=pk, client=request.user)
        services.leave_waitlist(entry=entry)
        messages.success(request, "You have left that waitlist.")
        return redirect("waitlist:mine")


class OfferView(ClientRequiredMixin, View):
    """The link in her offer: the time, and one button that books it."""

    template_name = "waitlist/offer.html"

    def get_offer(self, request, token) -> Offer:
        try:
            return services.offer_for(token=token, client=request.user)
        except Offer.DoesNotExist:
            raise Http404("No such offer") from None

    def render_offer(self, request, offer, *, problem="", status=200):
        clinic = offer.slot.therapist.clinic
        return render(
            request,
            self.template_name,
            {
                "offer": offer,
                "clinic": clinic,
                "starts_at": timezone.localtime(offer.slot.starts_at, clinic.tz),
                "open": services.offer_still_open(offer, now=timezone.now()) and not problem,
                "problem": problem,
            },
            status=status,
        )

    def get(self, request, token):
        return self.render_offer(request, self.get_offer(request, token))

    def post(self, request, token):
        offer = self.get_offer(request, token)
        try:
            booking = services.take_offer(token=token, client=request.user)
        except (services.WaitlistError, BookingError, DomainError) as error:
            offer.refresh_from_db()
            return self.render_offer(request, offer, problem=str(error), status=409)
        messages.success(request, "Booked. See you then!")
        return redirect(reverse("booking:booking", kwargs={"pk": booking.pk}))


class ClinicWaitlistView(ClinicAdminRequiredMixin, TemplateView):
    """Who waits for a time on a day at her clinic, in the order they are served."""

    template_name = "waitlist/clinic_day.html"

    def get_context_data(self, **kwargs):
        clinic = get_object_or_404(
            self.request.user.administered_clinics.all(), slug=self.kwargs["slug"]
        )
        try:
            day = dt.date.fromisoformat(self.request.GET.get("day", ""))
        except ValueError:
            day = clinic.today()
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            day = clinic.today()
        return super().get_context_data(**kwargs) | {
            "clinic": clinic,
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "entries": services.waiting_on(clinic=clinic, day=day),
        }
