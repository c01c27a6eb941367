"""The front desk: staff find or register a client and book, move and cancel for her; mark
how sessions ended; and see how the clinic is doing.

Views stay thin: every change goes through ``booking.services`` (with the staff member as
``booked_by``/``cancelled_by``/``marked_by``) or ``frontdesk.services``; a service's error
becomes a message on the page. A clinic the user doesn't work at, a client who isn't the
clinic's, or a session outside a therapist's own slots is a 404.
"""

import csv
import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from accounts.models import User
from accounts.permissions import RoleRequiredMixin
from booking import queries as booking_queries
from booking.forms import PlanForm
from booking.models import Booking, Plan, PlannedSession, Slot
from booking.params import parse_id, parse_ids
from booking.services import (
    book_plan,
    book_session,
    cancel_booking,
    cancel_plan,
    mark_attendance,
    move_booking,
    preview_plan,
)
from booking.services.bookings import check_safety_findings, stopping_blocks
from booking.services.errors import BookingError, PlanChanged, SlotUnavailable
from booking.services.plans import plan_limit
from clinics.models import Clinic, Therapist
from common.redirects import safe_next_url
from frontdesk import charts, queries, reports
from frontdesk.forms import (
    AddEmailForm,
    ClientSearchForm,
    DayForm,
    NewClientForm,
    PhoneClearanceForm,
    ReportRangeForm,
    StaffCancelForm,
    StaffCancelPlanForm,
)
from frontdesk.services import FrontDeskError, add_email, register_client
from safety import engine
from safety import services as safety_services
from safety.dating import gestational_age_or_none
from safety.models import AuditEntry

PICKER_DAYS = 14
REPORT_WEEKS = 8


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def workplaces(user):
    """The clinics whose front desk she may use: the operator's is every clinic."""
    if user.is_superuser:
        return Clinic.objects.all()
    return Clinic.objects.filter(Q(admins=user) | Q(therapists__user=user)).distinct()


class FrontDeskMixin(RoleRequiredMixin):
    """The clinic named by the URL, if she is its admin or one of its therapists.

    The operator works every clinic's front desk as its admins do, except that only a clinic
    admin books against a maternity-team clearance.
    """

    allowed_roles = (User.Role.THERAPIST, User.Role.CLINIC_ADMIN, User.Role.OPERATOR)
    admin_only = False

    @cached_property
    def clinic(self) -> Clinic:
        user = self.request.user
        clinics = workplaces(user).annotate(
            user_is_admin=Exists(
                Clinic.admins.through.objects.filter(clinic=OuterRef("pk"), user=user)
            )
        )
        clinic = get_object_or_404(clinics, slug=self.kwargs["slug"])
        if self.admin_only and not (clinic.user_is_admin or user.is_superuser):
            raise Http404("Only the clinic's admins see this page.")
        return clinic

    @property
    def is_admin(self) -> bool:
        """She sees and acts for the whole clinic (its admins, the operator)."""
        return self.clinic.user_is_admin or self.request.user.is_superuser

    @property
    def may_clear(self) -> bool:
        """She may book against a maternity-team clearance: the clinic's admins only."""
        return self.clinic.user_is_admin

    @cached_property
    def own_therapist(self) -> Therapist | None:
        """Her therapist row at this clinic when she is not its admin: she sees her own slots."""
        if self.is_admin:
            return None
        return get_object_or_404(Therapist, user=self.request.user, clinic=self.clinic)

    def client_or_404(self, client_id: int):
        client = queries.clinic_client(
            clinic=self.clinic, client_id=client_id, therapist=self.own_therapist
        )
        if client is None:
            raise Http404("No such client at this clinic.")
        return client

    def session_or_404(self, booking_id: int) -> Booking:
        sessions = Booking.objects.filter(slot__therapist__clinic=self.clinic)
        if self.own_therapist is not None:
            sessions = sessions.filter(slot__therapist=self.own_therapist)
        return get_object_or_404(
            sessions.select_related("client", "slot__therapist__clinic"), pk=booking_id
        )

    def plans(self):
        """The clinic's weekly plans; a therapist's own ones for her."""
        plans = Plan.objects.filter(therapist__clinic=self.clinic)
        if self.own_therapist is not None:
            plans = plans.filter(therapist=self.own_therapist)
        return plans.select_related("client", "therapist")

    def therapists(self):
        if self.own_therapist is not None:
            return Therapist.objects.filter(pk=self.own_therapist.pk)
        return self.clinic.therapists.active()

    def base_context(self, **extra) -> dict:
        return {"clinic": self.clinic, "is_admin": self.is_admin, **extra}

    def safe_next(self, default: str) -> str:
        return safe_next_url(self.request) or default


class FrontDeskHomeView(RoleRequiredMixin, View):
    """Straight to the front desk of her (first) clinic."""

    allowed_roles = FrontDeskMixin.allowed_roles

    def get(self, request):
        clinic = workplaces(request.user).order_by("name").first()
        if clinic is None:
            raise Http404("You don't work at a clinic.")
        return redirect("frontdesk:search", slug=clinic.slug)


class SearchView(FrontDeskMixin, TemplateView):
    """Find a caller by name, e-mail or phone; or register her."""

    template_name = "frontdesk/search.html"

    def get_context_data(self, **kwargs):
        form = ClientSearchForm(self.request.GET or None)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        results = (
            queries.search_clients(clinic=self.clinic, query=query, therapist=self.own_therapist)
            if query
            else []
        )
        return self.base_context(form=form, query=query, results=results)


class NewClientView(FrontDeskMixin, View):
    template_name = "frontdesk/new_client.html"

    def get(self, request, slug):
        initial = {}
        query = request.GET.get("q", "").strip()
        if "@" in query:
            initial["email"] = query
        elif query and any(character.isdigit() for character in query):
            initial["phone"] = query
        elif query:
            first, _, last = query.partition(" ")
            initial.update(first_name=first, last_name=last)
        form = NewClientForm(initial=initial)
        return render(request, self.template_name, self.base_context(form=form))

    def post(self, request, slug):
        form = NewClientForm(request.POST)
        if form.is_valid():
            try:
                client = register_client(
                    clinic=self.clinic, registered_by=request.user, **form.cleaned_data
                )
            except FrontDeskError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(request, registered_message(client))
                return redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)
        return render(request, self.template_name, self.base_context(form=form), status=400)


def registered_message(client: User) -> str:
    if client.email:
        return (
            f"{client.first_name} is registered. We've e-mailed her a link to set her "
            "password and check her health answers."
        )
    if "sms" in client.channels:
        return (
            f"{client.first_name} is registered without an e-mail: she gets her times and "
            "reminders by text. Add her address later so she can book online."
        )
    return (
        f"{client.first_name} is registered without an e-mail: tell her her times on the "
        "phone. Add her address later so she can book online and get reminders."
    )


class AddEmailView(FrontDeskMixin, View):
    """Give a caller registered by phone an e-mail address, which invites her online."""

    template_name = "frontdesk/add_email.html"

    def client_without_email(self, client_id: int) -> User:
        client = self.client_or_404(client_id)
        if client.email:
            raise Http404("She already has an e-mail address.")
        return client

    def get(self, request, slug, client_id):
        client = self.client_without_email(client_id)
        context = self.base_context(client=client, form=AddEmailForm())
        return render(request, self.template_name, context)

    def post(self, request, slug, client_id):
        client = self.client_without_email(client_id)
        form = AddEmailForm(request.POST)
        if form.is_valid():
            try:
                add_email(
                    client=client,
                    email=form.cleaned_data["email"],
                    clinic=self.clinic,
                    added_by=request.user,
                )
            except FrontDeskError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(request, "E-mail added. We've sent her a link to set a password.")
                return redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)
        context = self.base_context(client=client, form=form)
        return render(request, self.template_name, context, status=400)


def free_slot_rows(*, clinic: Clinic, day: dt.date, therapist: Therapist | None):
    """The free times of ``day`` for the picker, and the next days that have any."""
    free_days, slots = booking_queries.free_days_and_slots(
        clinic=clinic, start=clinic.today(), days=PICKER_DAYS, day=day, therapist=therapist
    )
    strip = [{"iso": d.isoformat(), "label": f"{d:%a} {d.day} {d:%b}"} for d in sorted(free_days)]
    return strip, slots


class PickerMixin:
    """A therapist and day chooser over the clinic's free times (a therapist: her own)."""

    def picker(self) -> dict:
        therapists = list(self.therapists())
        chosen = parse_id(self.request.GET.get("therapist"))
        therapist = next((t for t in therapists if t.pk == chosen), None)
        if self.own_therapist is not None:
            therapist = self.own_therapist
        today = self.clinic.today()
        day = parse_day(self.request.GET.get("day"))
        if day is None or day < today or day > today + dt.timedelta(weeks=52):
            day = today
        strip, slots = free_slot_rows(clinic=self.clinic, day=day, therapist=therapist)
        return {
            "picker_therapists": therapists,
            "picker_therapist": therapist,
            "picker_day": day,
            "picker_strip": strip,
            "picker_slots": slots,
        }


class ClientView(PickerMixin, FrontDeskMixin, TemplateView):
    """Her details, her sessions at the clinic, and free times to book for her."""

    template_name = "frontdesk/client.html"

    def get_context_data(self, **kwargs):
        client = self.client_or_404(kwargs["client_id"])
        profile = getattr(client, "pregnancy_profile", None)
        sessions = list(
            queries.client_sessions(clinic=self.clinic, client=client, therapist=self.own_therapist)
        )
        now = timezone.now()
        upcoming = [b for b in reversed(sessions) if b.is_active and b.ends_at > now]
        upcoming_ids = {b.pk for b in upcoming}
        past = [b for b in sessions if b.pk not in upcoming_ids]
        intake = safety_services.latest_intake(client)
        safety_services.log_audit(
            actor=self.request.user,
            client=client,
            clinic=self.clinic,
            action=AuditEntry.Action.VIEWED_PROFILE,
            detail="Front desk",
        )
        clearable = sorted(
            engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE & set(intake.conditions if intake else [])
        )
        today = self.clinic.today()
        return self.base_context(
            client=client,
            profile=profile,
            gestational_age=gestational_age_or_none(profile.due_date, today)
            if profile and not profile.has_given_birth
            else None,
            weeks_since_birth=(today - profile.birth_date).days // 7
            if profile and profile.has_given_birth
            else None,
            ready=safety_services.client_ready_to_book(client),
            upcoming=upcoming,
            active_plans=self.plans().filter(client=client, status=Plan.Status.ACTIVE),
            past=past,
            own_slots=self.own_therapist,
            clearable=clearable and self.may_clear,
            clearances=safety_services.clearances_covering(client=client, on=today).filter(
                code__in=engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE
            ),
            **self.picker(),
        )


class BookSlotView(FrontDeskMixin, View):
    """One free time for her: what the safety rules say on that date, then book."""

    template_name = "frontdesk/book_slot.html"

    def context(self, client, slot, **extra):
        clinic = self.clinic
        on = clinic.local_date(slot.starts_at)
        findings, blocks = [], []
        try:
            findings = check_safety_findings(client=client, clinic=clinic, on=on)
            blocks = stopping_blocks(findings, client=client, on=on, may_clear=self.may_clear)
        except BookingError as error:
            extra.setdefault("error", error)
        return self.base_context(
            client=client, slot=slot, findings=findings, blocks=blocks, **extra
        )

    def slot_or_404(self, slot_id: int) -> Slot:
        slots = Slot.objects.filter(therapist__in=self.therapists())
        return get_object_or_404(slots.select_related("therapist__clinic"), pk=slot_id)

    def get(self, request, slug, client_id, slot_id):
        client = self.client_or_404(client_id)
        slot = self.slot_or_404(slot_id)
        # The page shows what the safety rules say about her health on that day.
        safety_services.log_audit(
            actor=request.user,
            client=client,
            clinic=self.clinic,
            action=AuditEntry.Action.VIEWED_FLAGS,
            detail=f"Before booking {self.clinic.local_date(slot.starts_at):%Y-%m-%d}",
        )
        return render(request, self.template_name, self.context(client, slot))

    def post(self, request, slug, client_id, slot_id):
        client = self.client_or_404(client_id)
        slot = self.slot_or_404(slot_id)
        try:
            book_session(client=client, slot=slot, booked_by=request.user)
        except BookingError as error:
            context = self.context(client, slot, error=error)
            return render(request, self.template_name, context, status=409)
        messages.success(request, f"Booked for {client.first_name}. We've e-mailed her.")
        return redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)


class PlanView(FrontDeskMixin, View):
    """A weekly plan for her: the same form, preview and booking as her own plan page."""

    template_name = "frontdesk/plan.html"

    def chosen_therapist(self, data):
        """The therapist picked (among those staff may book for), or the only one there is."""
        therapists = list(self.therapists())
        therapist_id = parse_id((data or {}).get("therapist"))
        chosen = next((t for t in therapists if t.pk == therapist_id), None)
        if chosen is None and len(therapists) == 1:
            return therapists[0]
        return chosen

    def form(self, client, data=None, **kwargs):
        limit = plan_limit(client)
        today = self.clinic.today()
        therapist = self.chosen_therapist(data)
        # Once the therapist is known the form offers only the days and times she works.
        week = booking_queries.working_week(therapist=therapist, today=today) if therapist else None
        form = PlanForm(
            data,
            clinic=self.clinic,
            limit=limit,
            today=today,
            therapist=therapist,
            week=week or None,
            **kwargs,
        )
        form.fields["therapist"].queryset = self.therapists()
        form.fields["ends_on"].help_text = f"Leave empty to book until {limit.last_day:%-d %B %Y}."
        return form

    def render_plan(self, client, form, *, preview=None, error=None, status=200):
        context = self.base_context(client=client, form=form, preview=preview, error=error)
        return render(self.request, self.template_name, context, status=status)

    def ready_client(self, client_id):
        client = self.client_or_404(client_id)
        if not safety_services.client_ready_to_book(client):
            messages.error(
                self.request, "She needs a due date and her health answers before booking."
            )
            return client, redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)
        return client, None

    def get(self, request, slug, client_id):
        client, response = self.ready_client(client_id)
        if response is not None:
            return response
        if "therapist" not in request.GET:
            return self.render_plan(
                client, self.form(client, initial={"starts_on": self.clinic.today()})
            )
        form = self.form(client, request.GET)
        if not form.is_valid():
            return self.render_plan(client, form, status=400)
        try:
            preview = preview_plan(client=client, booked_by=request.user, **form.cleaned_data)
        except BookingError as error:
            return self.render_plan(client, form, error=error, status=409)
        return self.render_plan(client, form, preview=preview)

    def post(self, request, slug, client_id):
        client, response = self.ready_client(client_id)
        if response is not None:
            return response
        form = self.form(client, request.POST)
        if not form.is_valid():
            return self.render_plan(client, form, status=400)
        accepted = parse_ids(request.POST.getlist("slot"))
        try:
            result = book_plan(
                client=client,
                accepted_slot_ids=accepted,
                booked_by=request.user,
                **form.cleaned_data,
            )
        except BookingError as error:
            status = 409 if isinstance(error, PlanChanged) else 400
            try:
                preview = preview_plan(client=client, booked_by=request.user, **form.cleaned_data)
            except BookingError:
                preview = None
            return self.render_plan(client, form, preview=preview, error=error, status=status)
        messages.success(
            request,
            f"Plan booked for {client.first_name}: {len(result.booked)} sessions. "
            "We've e-mailed her the dates.",
        )
        return redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)


class MoveView(PickerMixin, FrontDeskMixin, View):
    template_name = "frontdesk/move.html"

    def get(self, request, slug, booking_id):
        booking = self.session_or_404(booking_id)
        return render(
            request, self.template_name, self.base_context(booking=booking, **self.picker())
        )

    def post(self, request, slug, booking_id):
        booking = self.session_or_404(booking_id)
        slot_id = parse_id(request.POST.get("slot"))
        try:
            new_slot = Slot.objects.filter(pk=slot_id, therapist__in=self.therapists()).first()
            if new_slot is None:
                raise SlotUnavailable("That time is no longer offered. Please choose another.")
            move_booking(booking=booking, new_slot=new_slot, booked_by=request.user)
        except BookingError as error:
            context = self.base_context(booking=booking, error=error, **self.picker())
            return render(request, self.template_name, context, status=409)
        messages.success(request, "Session moved. We've e-mailed her the new time.")
        return redirect("frontdesk:client", slug=self.clinic.slug, client_id=booking.client_id)


class CancelView(FrontDeskMixin, View):
    template_name = "frontdesk/cancel.html"

    def get(self, request, slug, booking_id):
        booking = self.session_or_404(booking_id)
        context = self.base_context(booking=booking, form=StaffCancelForm())
        return render(request, self.template_name, context)

    def post(self, request, slug, booking_id):
        booking = self.session_or_404(booking_id)
        form = StaffCancelForm(request.POST)
        if form.is_valid():
            try:
                cancel_booking(
                    booking=booking,
                    by=form.cleaned_data["by"],
                    reason=form.cleaned_data["reason"],
                    cancelled_by=request.user,
                )
            except BookingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Session cancelled. We've e-mailed her.")
                return redirect(
                    "frontdesk:client", slug=self.clinic.slug, client_id=booking.client_id
                )
        context = self.base_context(booking=booking, form=form)
        return render(request, self.template_name, context, status=400)


class CancelPlanView(FrontDeskMixin, View):
    """Cancel the rest of her weekly plan: every session to come and every held later date."""

    template_name = "frontdesk/cancel_plan.html"

    def plan_or_404(self, plan_id: int) -> Plan:
        return get_object_or_404(self.plans().filter(status=Plan.Status.ACTIVE), pk=plan_id)

    def render_form(self, request, plan, form, status=200):
        upcoming = plan.bookings.filter(
            status=Booking.Status.BOOKED, starts_at__gt=timezone.now()
        ).order_by("starts_at")
        context = self.base_context(
            plan=plan,
            form=form,
            upcoming=upcoming,
            planned_count=plan.planned_sessions.filter(
                status=PlannedSession.Status.PLANNED
            ).count(),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, slug, plan_id):
        return self.render_form(request, self.plan_or_404(plan_id), StaffCancelPlanForm())

    def post(self, request, slug, plan_id):
        plan = self.plan_or_404(plan_id)
        form = StaffCancelPlanForm(request.POST)
        if not form.is_valid():
            return self.render_form(request, plan, form, status=400)
        try:
            result = cancel_plan(plan=plan, by=form.cleaned_data["by"], cancelled_by=request.user)
        except BookingError as error:
            form.add_error(None, str(error))
            return self.render_form(request, plan, form, status=409)
        count = len(result.cancelled)
        messages.success(
            request,
            f"Plan cancelled: {count} session{pluralize(count)} cancelled. We've e-mailed her."
            if count
            else "Plan cancelled. No session was left to cancel.",
        )
        return redirect("frontdesk:client", slug=self.clinic.slug, client_id=plan.client_id)


class ClearanceView(FrontDeskMixin, View):
    """Record her maternity team's clearance (clinic admins only)."""

    admin_only = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_superuser:
            # The operator is not a clinic admin: the clearance is the clinic's decision.
            raise Http404("Only the clinic's admins record this clearance.")
        return super().dispatch(request, *args, **kwargs)

    template_name = "frontdesk/clearance.html"

    def codes(self, client) -> list[str]:
        intake = safety_services.latest_intake(client)
        return sorted(
            engine.BOOKABLE_BY_PHONE_WITH_CLEARANCE & set(intake.conditions if intake else [])
        )

    def get(self, request, slug, client_id):
        client = self.client_or_404(client_id)
        form = PhoneClearanceForm(codes=self.codes(client), today=self.clinic.today())
        return render(request, self.template_name, self.base_context(client=client, form=form))

    def post(self, request, slug, client_id):
        client = self.client_or_404(client_id)
        form = PhoneClearanceForm(request.POST, codes=self.codes(client), today=self.clinic.today())
        if form.is_valid():
            try:
                safety_services.record_phone_booking_clearance(
                    client=client, clinic=self.clinic, recorded_by=request.user, **form.cleaned_data
                )
            except safety_services.ClearanceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Clearance recorded. You can book her now.")
                return redirect("frontdesk:client", slug=self.clinic.slug, client_id=client.pk)
        context = self.base_context(client=client, form=form)
        return render(request, self.template_name, context, status=400)


class DayView(FrontDeskMixin, TemplateView):
    """A day's sessions with one-tap attendance (a therapist: her own)."""

    template_name = "frontdesk/day.html"

    def get_context_data(self, **kwargs):
        form = DayForm(self.request.GET or None)
        today = self.clinic.today()
        day = (form.cleaned_data.get("day") if form.is_valid() else None) or today
        sessions = list(
            queries.day_sessions(clinic=self.clinic, day=day, therapist=self.own_therapist)
        )
        now = timezone.now()
        for booking in sessions:
            booking.has_started = booking.starts_at <= now
            profile = getattr(booking.client, "pregnancy_profile", None)
            booking.gestational_age = (
                gestational_age_or_none(profile.due_date, day) if profile else None
            )
        return self.base_context(
            form=form,
            day=day,
            previous_day=day - dt.timedelta(days=1),
            next_day=day + dt.timedelta(days=1),
            sessions=sessions,
            outcomes=Booking.Attendance.choices,
            unmarked_count=queries.unmarked_sessions(
                clinic=self.clinic, therapist=self.own_therapist
            ).count(),
        )


class AttendanceView(FrontDeskMixin, View):
    def post(self, request, slug, booking_id):
        booking = self.session_or_404(booking_id)
        outcome = request.POST.get("outcome", "")
        back = self.safe_next(
            reverse("frontdesk:day", kwargs={"slug": self.clinic.slug})
            + f"?day={self.clinic.local_date(booking.starts_at).isoformat()}"
        )
        try:
            mark_attendance(booking=booking, outcome=outcome, marked_by=request.user)
        except BookingError as error:
            messages.error(request, str(error))
            return redirect(back)
        label = dict(Booking.Attendance.choices)[outcome]
        messages.success(request, f"{booking.client.first_name}: {label.lower()}.")
        return redirect(back)


class UnmarkedView(FrontDeskMixin, TemplateView):
    """Past sessions nobody marked attended or no-show."""

    template_name = "frontdesk/unmarked.html"

    def get_context_data(self, **kwargs):
        sessions = queries.unmarked_sessions(clinic=self.clinic, therapist=self.own_therapist)
        return self.base_context(
            sessions=sessions[:200], total=sessions.count(), outcomes=Booking.Attendance.choices
        )


class ReportsView(FrontDeskMixin, TemplateView):
    """How the clinic is doing, for its admins: charts, tables and CSV exports."""

    admin_only = True
    template_name = "frontdesk/reports.html"

    def default_range(self) -> tuple[dt.date, dt.date]:
        today = self.clinic.today()
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(weeks=REPORT_WEEKS - 1), monday + dt.timedelta(days=6)

    def get(self, request, *args, **kwargs):
        first, last = self.default_range()
        form = ReportRangeForm(request.GET if "start" in request.GET else None)
        if form.is_bound and form.is_valid():
            first, last = form.cleaned_data["start"], form.cleaned_data["end"]
        elif not form.is_bound:
            form = ReportRangeForm(initial={"start": first, "end": last})
        report = reports.clinic_report(clinic=self.clinic, first=first, last=last)
        export = request.GET.get("export")
        if export:
            table = next((t for t in report.tables if t.key == export), None)
            if table is None:
                raise Http404("No such table.")
            return csv_response(table, f"{self.clinic.slug}-{table.key}-{first}-{last}.csv")
        figures = [
            (
                table,
                charts.bar_chart(
                    key=table.key,
                    title=table.caption,
                    rows=table.chart_rows,
                    series=table.series,
                    unit=table.unit,
                ),
            )
            for table in report.tables
        ]
        range_query = urlencode({"start": first.isoformat(), "end": last.isoformat()})
        context = self.base_context(
            form=form, report=report, figures=figures, range_query=range_query
        )
        return self.render_to_response(context, status=400 if form.errors else 200)


def csv_response(table: reports.Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return response
