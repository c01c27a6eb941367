"""The client's pages: finding a clinic, a therapist and a time, booking one session or a
weekly plan, her bookings and her reminder settings. Staff pages live in the back office.

Views stay thin: they read through ``booking.queries``, change state through
``booking.services`` and turn a service's ``BookingError`` into a message on the page.
"""

import datetime as dt
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts.permissions import ClientRequiredMixin
from booking import queries, session_rows
from booking.calendar import add_to_calendar_links, ics_for_bookings
from booking.forms import PlanForm, ReminderPreferencesForm
from booking.models import Booking, Plan, Slot
from booking.params import parse_id, parse_ids
from booking.picker import picker_context, therapist_list
from booking.services import (
    book_plan,
    book_session,
    cancel_booking,
    cancel_plan,
    flags,
    move_booking,
    preview_plan,
)
from booking.services.bookings import check_safety
from booking.services.changes import (
    can_change_online,
    change_deadline,
    in_change_grace,
    notice_deadline,
)
from booking.services.errors import (
    BookingError,
    PlanChanged,
    ProfileIncomplete,
    SafetyBlocked,
    SlotUnavailable,
)
from booking.services.plans import plan_limit
from booking.services.reminders import set_same_day_reminders
from booking.services.rolling_plans import planned_sessions_to_show
from booking.services.texting import set_message_channels
from clinics.models import Clinic, Therapist
from common.urls import reverse_once
from safety import services as safety_services
from safety.dating import date_at_week
from safety.engine import CONDITION_RULES, NOT_MEDICAL_ADVICE, RED_FLAG_SYMPTOMS

ANSWER_RULE_CODES = {rule.code for rule in CONDITION_RULES}
# Any of these in the plan page's query string means she asked for the preview.
FIRST_TRIMESTER = "first_trimester"
PLAN_FIELDS = {"weekdays", "local_time", "starts_on", "ends_on", "preview"}


def profile_url(next_url: str) -> str:
    return f"{reverse('safety:profile')}?{urlencode({'next': next_url})}"


class ClinicListView(ListView):
    """Every clinic with its next free time, and a weekly plan with each of its therapists
    one tap away (a new client's third step)."""

    template_name = "booking/clinic_list.html"
    context_object_name = "clinics"

    def get_queryset(self):
        return queries.clinics_with_next_free()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queries.attach_public_therapists(context["clinics"])
        context["welcome"] = FIND_A_TIME_WELCOME in self.request.GET
        return context


class ClinicDetailView(TemplateView):
    """The clinic, its therapists, and the slot picker (therapist, day strip, times)."""

    template_name = "booking/clinic_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = queries.clinic_by_slug(kwargs["slug"])
        context["clinic"] = clinic
        context.update(
            picker_context(
                clinic=clinic,
                therapist_slug=self.request.GET.get("therapist", ""),
                day_param=self.request.GET.get("day"),
                page_param=self.request.GET.get("page"),
                picker_url=reverse_once("booking:clinic", slug=clinic.slug),
            )
        )
        context["therapist_list"] = therapist_list(context["page_therapists"], clinic=clinic)
        context["map_url"] = "https://www.openstreetmap.org/search?query=" + quote(
            ", ".join(clinic.address.splitlines())
        )
        context["plan_url"] = reverse_once("booking:plan", slug=clinic.slug)
        context["waitlist_url"] = reverse_once("waitlist:join", slug=clinic.slug)
        return context


class TherapistDetailView(DetailView):
    """A therapist's public profile at her clinic."""

    template_name = "clinics/therapist_detail.html"
    context_object_name = "therapist"

    def get_object(self, queryset=None):
        return get_object_or_404(
            # Her clinic's own date is not known before she is found; a day either way
            # changes nothing for a therapist with ongoing hours.
            queries.on_public_pages(
                Therapist.objects.select_related("clinic"), today=timezone.localdate()
            ),
            clinic__slug=self.kwargs["slug"],
            slug=self.kwargs["therapist_slug"],
        )


def offered_slot(slot_id: int) -> Slot:
    return queries.slot_with_clinic(slot_id)


class SlotView(View):
    """One chosen time: review it, then book it (log in and profile first if needed)."""

    template_name = "booking/slot.html"

    def render_slot(
        self, request, slot, *, error=None, status=200, clearance_needed=(), week_14=None
    ):
        clinic = slot.therapist.clinic
        blocked = isinstance(error, SafetyBlocked)
        context = {
            "slot": slot,
            "clinic": clinic,
            "error": error,
            "blocked": blocked,
            "clearance_needed": clearance_needed,
            "week_14": week_14,
        }
        if blocked:
            # A block from her answers stops every date alike: another time cannot help.
            context["blocked_by_answers"] = any(
                finding.code in ANSWER_RULE_CODES for finding in error.findings
            )
            context["red_flag"] = flags.red_flag_outcome(request.user)
        if error is not None and not blocked:
            context["alternatives"] = queries.nearest_free_slots(slot=slot)
        return render(request, self.template_name, context, status=status)

    def week_14(self, answers, findings) -> dt.date | None:
        """The day she reaches week 14, when this date falls in her first trimester."""
        if not any(finding.code == FIRST_TRIMESTER for finding in findings):
            return None
        return date_at_week(answers.profile.due_date, 14)

    def gate(self, request):
        """Where she must go first, if anywhere: log in, then her profile and health answers."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_client:
            raise PermissionDenied("Only clients book sessions.")
        if not safety_services.client_ready_to_book(request.user):
            return redirect(profile_url(request.get_full_path()))
        return None

    def get(self, request, slot_id):
        slot = offered_slot(slot_id)
        if not (request.user.is_authenticated and request.user.is_client):
            return self.render_slot(request, slot)
        # Whether she is ready and what she answered, read once for the checks below.
        answers = safety_services.answers_if_ready_to_book(request.user)
        if answers is None:
            return redirect(profile_url(request.get_full_path()))
        # Say so before she taps "Book" if a safety rule stops this date.
        clinic = slot.therapist.clinic
        on = clinic.local_date(slot.starts_at)
        try:
            findings = check_safety(client=request.user, clinic=clinic, on=on, answers=answers)
        except BookingError as error:
            return self.render_slot(request, slot, error=error)
        # A note needed from her midwife or doctor is said before she books, not after.
        needed = flags.clearance_findings_uncovered(findings, client=request.user, on=on)
        return self.render_slot(
            request, slot, clearance_needed=needed, week_14=self.week_14(answers, findings)
        )

    def post(self, request, slot_id):
        slot = offered_slot(slot_id)
        redirect_response = self.gate(request)
        if redirect_response is not None:
            return redirect_response
        try:
            booking = book_session(client=request.user, slot=slot)
        except ProfileIncomplete:
            return redirect(profile_url(request.path))
        except BookingError as error:
            return self.render_slot(request, slot, error=error, status=409)
        messages.success(request, "Your session is booked. We've e-mailed you the details.")
        return redirect("booking:booking", pk=booking.pk)


def her_booking(request, pk) -> Booking:
    """One of her own bookings; anyone else's id is a 404."""
    return get_object_or_404(queries.client_bookings(client=request.user), pk=pk)


class BookingDetailView(ClientRequiredMixin, TemplateView):
    """The confirmation: when, who, where, what to bring, safety notes, calendar, change."""

    template_name = "booking/booking_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = her_booking(self.request, kwargs["pk"])
        flags.mark_cleared_codes([booking])
        context["booking"] = booking
        context["clinic"] = booking.slot.therapist.clinic
        context["can_change"] = can_change_online(booking)
        context["change_deadline"] = change_deadline(booking)
        context["calendar_links"] = add_to_calendar_links(booking)
        # Only the grace keeps it changeable: the notice rule alone would lock it already.
        now = timezone.now()
        context["in_grace"] = now >= notice_deadline(booking) and in_change_grace(booking, now)
        return context


def ics_response(bookings, filename: str) -> HttpResponse:
    response = HttpResponse(ics_for_bookings(bookings), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class BookingIcsView(ClientRequiredMixin, View):
    def get(self, request, pk):
        return ics_response([her_booking(request, pk)], f"bolster-session-{pk}.ics")


class UpcomingIcsView(ClientRequiredMixin, View):
    def get(self, request):
        upcoming, _ = queries.split_upcoming(queries.client_bookings(client=request.user))
        return ics_response(upcoming, "bolster-sessions.ics")


class CancelBookingView(ClientRequiredMixin, View):
    template_name = "booking/cancel.html"

    def get(self, request, pk):
        booking = her_booking(request, pk)
        return render(
            request,
            self.template_name,
            {
                "booking": booking,
                "clinic": booking.slot.therapist.clinic,
                "can_change": can_change_online(booking),
            },
        )

    def post(self, request, pk):
        booking = her_booking(request, pk)
        try:
            cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
        except BookingError as error:
            messages.error(request, str(error))
            return redirect("booking:booking", pk=booking.pk)
        messages.success(request, "Your session is cancelled. We've e-mailed you a note.")
        return redirect("booking:my_bookings")


class MoveBookingView(ClientRequiredMixin, View):
    """Pick another free time at the same clinic; the move happens in one step."""

    template_name = "booking/move.html"

    def context(self, request, booking, **extra):
        clinic = booking.slot.therapist.clinic
        context = {
            "booking": booking,
            "clinic": clinic,
            "can_change": can_change_online(booking),
            **picker_context(
                clinic=clinic,
                therapist_slug=request.GET.get("therapist", booking.slot.therapist.slug),
                day_param=request.GET.get("day"),
                page_param=request.GET.get("page"),
                picker_url=reverse("booking:move", kwargs={"pk": booking.pk}),
            ),
            **extra,
        }
        return context

    def get(self, request, pk):
        booking = her_booking(request, pk)
        return render(request, self.template_name, self.context(request, booking))

    def post(self, request, pk):
        booking = her_booking(request, pk)
        slot_id = parse_id(request.POST.get("slot"))
        if slot_id is None:
            messages.error(request, "Choose a new time.")
            return redirect("booking:move", pk=booking.pk)
        try:
            # A time withdrawn since the page was shown gets a message and the picker, not a 404.
            new_slot = Slot.objects.filter(pk=slot_id).first()
            if new_slot is None:
                raise SlotUnavailable("That time is no longer offered. Please choose another.")
            new = move_booking(booking=booking, new_slot=new_slot)
        except BookingError as error:
            context = self.context(request, booking, error=error)
            return render(request, self.template_name, context, status=409)
        messages.success(request, "Your session has moved. Your old time is free again.")
        return redirect("booking:booking", pk=new.pk)


class PlanView(ClientRequiredMixin, View):
    """A weekly plan: choose → see each date (free / taken / not bookable) → book."""

    template_name = "booking/plan.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            # A visitor from the clinic page chooses between logging in and signing up,
            # and comes back here either way.
            clinic = get_object_or_404(Clinic, slug=kwargs["slug"])
            return render(
                request,
                "booking/account_needed.html",
                {"clinic": clinic, "next": request.get_full_path()},
            )
        return super().dispatch(request, *args, **kwargs)

    def setup_plan(self, request, slug):
        self.clinic = get_object_or_404(Clinic, slug=slug)
        profile = safety_services.pregnancy_profile(request.user)
        if profile is None or not safety_services.client_ready_to_book(request.user):
            return None
        self.today = self.clinic.today()
        self.limit = plan_limit(request.user)
        self.therapists = list(
            queries.on_public_pages(
                self.clinic.therapists.all(), today=self.today
            ).prefetch_related("working_hours")
        )
        data = request.POST if request.method == "POST" else request.GET
        self.therapist = self.chosen_therapist(data.get("therapist"))
        # Most plans start from week 14: said before she chooses, and her first day suggested.
        self.week_14 = None
        if profile.birth_date is None:
            week_14 = date_at_week(profile.due_date, 14)
            self.week_14 = week_14 if self.today < week_14 else None
        self.week = (
            queries.working_week(therapist=self.therapist, today=self.today)
            if self.therapist
            else None
        )
        return profile

    def chosen_therapist(self, value):
        """The therapist she picked, or the clinic's only one; None means she picks first."""
        therapist_id = parse_id(value)
        chosen = next((t for t in self.therapists if t.pk == therapist_id), None)
        if chosen is None and len(self.therapists) == 1:
            return self.therapists[0]
        return chosen

    def form(self, data=None, **kwargs):
        return PlanForm(
            data,
            clinic=self.clinic,
            limit=self.limit,
            today=self.today,
            therapist=self.therapist,
            week=self.week,
            **kwargs,
        )

    def render_plan(
        self, request, form=None, *, preview=None, error=None, status=200, clearance_needed=()
    ):
        return render(
            request,
            self.template_name,
            {
                "clinic": self.clinic,
                "form": form,
                "preview": preview,
                "error": error,
                "therapist": self.therapist,
                "week": self.week,
                "therapists": self.therapists,
                "choose_therapist": self.therapist is None,
                "clearance_needed": clearance_needed,
                "week_14": self.week_14,
            },
            status=status,
        )

    def get(self, request, slug):
        if self.setup_plan(request, slug) is None:
            return redirect(profile_url(request.get_full_path()))
        if self.therapist is None:
            return self.render_plan(request)
        if not self.week:
            return self.render_plan(
                request,
                error=BookingError(
                    f"{self.therapist.display_name} has no regular working hours yet, so a weekly "
                    "plan with her isn't possible. Please choose another therapist."
                ),
            )
        if not PLAN_FIELDS & request.GET.keys():
            starts_on = self.week_14 or self.today
            return self.render_plan(request, self.form(initial={"starts_on": starts_on}))
        form = self.form(request.GET)
        if not form.is_valid():
            return self.render_plan(request, form)
        try:
            preview = preview_plan(client=request.user, **form.cleaned_data)
        except BookingError as error:
            return self.render_plan(request, form, error=error)
        return self.render_plan(
            request, form, preview=preview, clearance_needed=self.clearance_needed(preview)
        )

    def clearance_needed(self, preview) -> list:
        """Notes from her midwife or doctor the plan's first date needs: said before booking."""
        first = next((planned for planned in preview.dates if planned.is_free), None)
        if first is None:
            return []
        findings = check_safety(client=self.request.user, clinic=self.clinic, on=first.on)
        return flags.clearance_findings_uncovered(findings, client=self.request.user, on=first.on)

    def post(self, request, slug):
        if self.setup_plan(request, slug) is None:
            return redirect(profile_url(request.path))
        form = self.form(request.POST)
        if self.therapist is None or not form.is_valid():
            return self.render_plan(request, form if self.therapist else None)
        accepted = parse_ids(request.POST.getlist("slot"))
        try:
            result = book_plan(client=request.user, accepted_slot_ids=accepted, **form.cleaned_data)
        except PlanChanged as error:
            preview = preview_plan(client=request.user, **form.cleaned_data)
            return self.render_plan(request, form, preview=preview, error=error, status=409)
        except BookingError as error:
            preview = preview_plan(client=request.user, **form.cleaned_data)
            return self.render_plan(request, form, preview=preview, error=error, status=400)
        request.session[f"plan-report-{result.plan.pk}"] = [
            [planned.on.isoformat(), planned.reason or "Not chosen."]
            for planned in result.not_booked
        ]
        messages.success(
            request,
            f"Your plan is booked: {len(result.booked)} sessions. We've e-mailed you the dates.",
        )
        return redirect("booking:plan_detail", pk=result.plan.pk)


class PlanDetailView(ClientRequiredMixin, TemplateView):
    template_name = "booking/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = get_object_or_404(
            Plan.objects.filter(client=self.request.user).select_related("therapist__clinic"),
            pk=kwargs["pk"],
        )
        bookings = list(queries.client_bookings(client=self.request.user).filter(plan=plan))
        flags.mark_cleared_codes(bookings)
        upcoming, _ = queries.split_upcoming(bookings)
        context.update(
            plan=plan,
            clinic=plan.therapist.clinic,
            bookings=bookings,
            upcoming=upcoming,
            planned_sessions=planned_sessions_to_show(plans=[plan]),
            not_booked=[
                (dt.date.fromisoformat(day), reason)
                for day, reason in self.request.session.get(f"plan-report-{plan.pk}", [])
            ],
        )
        return context


class CancelPlanView(ClientRequiredMixin, View):
    """Cancel the rest of a plan: confirm first, then cancel what the notice period allows."""

    def get(self, request, pk):
        plan = get_object_or_404(
            Plan.objects.select_related("therapist__clinic"), pk=pk, client=request.user
        )
        upcoming, _ = queries.split_upcoming(
            queries.client_bookings(client=request.user).filter(plan=plan)
        )
        return render(
            request,
            "booking/cancel_plan.html",
            {
                "plan": plan,
                "clinic": plan.therapist.clinic,
                "can_cancel": [b for b in upcoming if can_change_online(b)],
                "too_late": [b for b in upcoming if not can_change_online(b)],
            },
        )

    def post(self, request, pk):
        plan = get_object_or_404(Plan, pk=pk, client=request.user)
        result = cancel_plan(plan=plan)
        if result.cancelled:
            messages.success(
                request, f"Cancelled {len(result.cancelled)} upcoming sessions of your plan."
            )
        if result.too_late:
            clinic = plan.therapist.clinic
            messages.warning(
                request,
                f"{len(result.too_late)} session(s) are too close to change online. "
                f"Please call {clinic.name} on {clinic.phone}.",
            )
        return redirect("booking:my_bookings")


# Where a new client's onboarding ends: finding a time, with its step shown.
FIND_A_TIME_WELCOME = "welcome"


class MyBookingsView(ClientRequiredMixin, TemplateView):
    """Her sessions; before her first booking, the next step of her onboarding instead of an
    empty list (her pregnancy, then her health answers, then finding a time)."""

    template_name = "booking/my_bookings.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if not (context["upcoming"] or context["past"] or context["planned_sessions"]):
            step = safety_services.onboarding_step(request.user)
            find_a_time = f"{reverse('booking:clinics')}?{FIND_A_TIME_WELCOME}=1"
            if step == safety_services.PROFILE_STEP:
                return redirect(profile_url(find_a_time))
            if step == safety_services.ANSWERS_STEP:
                return redirect(f"{reverse('safety:intake')}?{urlencode({'next': find_a_time})}")
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upcoming, past = queries.split_upcoming(queries.session_list(client=self.request.user))
        flags.mark_cleared_codes(upcoming)
        for booking in upcoming:
            booking.can_change = can_change_online(booking)
        documents_url = reverse_once("health:documents")
        context.update(
            upcoming=session_rows.upcoming_rows(upcoming, documents_url=documents_url),
            past=session_rows.past_rows(past),
            active_plans=session_rows.active_plan_rows(upcoming),
            planned_sessions=session_rows.planned_rows(
                planned_sessions_to_show(client=self.request.user)
            ),
            # Reversed once here, not once per session.
            calendar_url=reverse_once("booking:my_bookings_ics"),
            documents_url=documents_url,
            alert_url=reverse_once("health:alert"),
            baby_arrived_url=reverse_once("booking:baby_arrived"),
            my_waitlist_url=reverse_once("waitlist:mine"),
            reminders_url=reverse_once("booking:reminder_preferences"),
            not_medical_advice=NOT_MEDICAL_ADVICE,
            red_flag_symptoms=RED_FLAG_SYMPTOMS,
        )
        return context


class ReminderPreferencesView(ClientRequiredMixin, FormView):
    template_name = "booking/reminders/preferences.html"
    form_class = ReminderPreferencesForm

    def get_form_kwargs(self):
        user = self.request.user
        self.profile = safety_services.pregnancy_profile(user)
        return super().get_form_kwargs() | {
            "has_profile": self.profile is not None,
            "already_opted_in": "sms" in user.channels,
        }

    def get_initial(self):
        user = self.request.user
        initial = {
            "same_day_reminders": user.same_day_reminders,
            "message_channels": user.message_channels,
        }
        if self.profile is not None:
            # A number from before numbers were checked shows as she gave it, to correct.
            initial["phone"] = self.profile.phone or self.profile.phone_as_given
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "unreadable_phone": self.profile is not None and bool(self.profile.phone_as_given),
        }

    def form_valid(self, form):
        user = self.request.user
        data = form.cleaned_data
        enabled = data["same_day_reminders"]
        if data.get("phone") and data["phone"] != self.profile.phone:
            safety_services.set_mobile_number(client=user, phone=data["phone"])
        channels = data["message_channels"] or user.message_channels
        set_message_channels(client=user, channels=channels, via="reminders page")
        set_same_day_reminders(client=user, enabled=enabled)
        messages.success(
            self.request,
            "You'll get a reminder on the day too."
            if enabled
            else "No more reminders on the day; you'll still get the one the day before.",
        )
        return redirect("booking:reminder_preferences")
