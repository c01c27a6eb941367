"""The schedule: the clinic admin's week, laying out and blocking slots, hours and time off;
the therapist's own week."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape as escape_html
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.generic import FormView, TemplateView, View

from accounts.permissions import TherapistRequiredMixin
from backoffice.forms import (
    BlockReasonForm,
    GenerateSlotsForm,
    SlotRangeForm,
    TimeOffForm,
    WorkingHoursForm,
)
from backoffice.schedule import (
    SAFETY_CHIPS,
    TherapistPage,
    WeekGrid,
    clinic_week,
    monday_of,
    slots_between,
    therapist_page,
    therapists_on_schedule,
    with_active_booking,
    within_hours,
)
from backoffice.views.clinic import AdministeredClinicMixin
from booking.models import Booking, Slot
from booking.params import parse_id
from booking.services.slots import (
    ScheduleError,
    add_time_off,
    add_working_hours,
    block_slots,
    change_working_hours,
    deactivate_therapist,
    generate_slots,
    reactivate_therapist,
    relayout_slots,
    remove_time_off,
    remove_working_hours,
    slots_in_time_off,
    unblock_slots,
)
from clinics.models import Therapist, WorkingHours
from common.urls import url_for_each


def parse_week(value: str | None, *, today: dt.date) -> dt.date:
    """The Monday of the week holding ``value`` (an ISO date); this week if it is missing,
    malformed, or more than ten years away."""
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if abs((day - today).days) > 3653:
        day = today
    return monday_of(day)


def week_url(clinic, day: dt.date) -> str:
    return f"{reverse('schedule:week', kwargs={'slug': clinic.slug})}?week={monday_of(day)}"


SLOT_BADGE = '<li><span class="badge fs-6 fw-normal p-2 {}" data-state="{}">{}{}</span></li>'
SLOT_LINK = '<li><a class="btn btn-sm {}" data-state="{}" href="{}" title="{}">{}{}</a></li>'
SAFETY_CHIP = ' <span class="{}" data-safety="{}">{}</span>'


def safety_chip(cell) -> str:
    if not cell.safety:
        return ""
    words, classes = SAFETY_CHIPS[cell.safety]
    return SAFETY_CHIP.format(classes, cell.safety, words)


def with_slot_buttons(grid: WeekGrid, *, slot_url: Callable[[int], str] | None) -> WeekGrid:
    """Each day's slot buttons as HTML, built here rather than in a template loop.

    A busy clinic's week holds hundreds of slots, and a template loop (or format_html) over
    them costs tens of milliseconds. Every text that comes from people (a client's first
    name, a block reason) is escaped; the rest is our own markup, ids and fixed words.
    """
    for week in grid.therapists:
        for day in week.days:
            if slot_url is None:
                buttons = (
                    SLOT_BADGE.format(
                        cell.badge_class, cell.state, escape_html(cell.text), safety_chip(cell)
                    )
                    for cell in day.cells
                )
            else:
                buttons = (
                    SLOT_LINK.format(
                        cell.button_class,
                        cell.state,
                        slot_url(cell.slot.pk),
                        escape_html(
                            cell.slot.block_reason if cell.state == "blocked" else cell.label
                        ),
                        escape_html(cell.text),
                        safety_chip(cell),
                    )
                    for cell in day.cells
                )
            day.buttons = mark_safe("".join(buttons))
    return grid


# The longest name filter kept: longer text matches no therapist anyway.
NAME_FILTER_LENGTH = 100
# Past any page a clinic could fill; a larger number is someone typing, not a link we made.
LAST_PAGE_NUMBER = 10_000


def parse_page(value: str | None) -> int:
    number = parse_id(value)
    return min(number, LAST_PAGE_NUMBER) if number is not None else 1


def parse_name_filter(value: str | None) -> str:
    # PostgreSQL refuses a NUL character in text; no name holds one.
    return (value or "").replace("\x00", "").strip()[:NAME_FILTER_LENGTH]


@dataclass(frozen=True)
class WeekFilter:
    """Which therapists the week shows: one chosen therapist, or a page of those whose name
    holds ``name`` (everyone when empty)."""

    therapist: Therapist | None = None
    name: str = ""

    def query(self, *, page: int = 1) -> str:
        """The filter as the tail of a week link's query string (after ``?week=…``)."""
        params = {}
        if self.therapist is not None:
            params["therapist"] = self.therapist.pk
        elif self.name:
            params["q"] = self.name
        if page > 1:
            params["page"] = page
        return f"&{urlencode(params)}" if params else ""


class WeekView(AdministeredClinicMixin, TemplateView):
    """The week at a glance, a page of therapists at a time (or one, or those matching a name):
    open, booked, blocked. Bounded at any clinic size, in a fixed number of queries."""

    template_name = "booking/schedule/week.html"

    def chosen_therapist(self, monday: dt.date) -> Therapist | None:
        therapist_id = parse_id(self.request.GET.get("therapist"))
        if therapist_id is None:
            return None
        return (
            therapists_on_schedule(clinic=self.clinic, monday=monday)
            .filter(pk=therapist_id)
            .first()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = self.clinic.today()
        monday = parse_week(self.request.GET.get("week"), today=today)
        selected = self.chosen_therapist(monday)
        if selected is not None:
            week_filter = WeekFilter(therapist=selected)
            page = TherapistPage(therapists=[selected], number=1, total=1)
        else:
            name = parse_name_filter(self.request.GET.get("q"))
            week_filter = WeekFilter(name=name)
            page = therapist_page(
                clinic=self.clinic,
                monday=monday,
                number=parse_page(self.request.GET.get("page")),
                name=name,
            )
        grid = clinic_week(clinic=self.clinic, monday=monday, therapists=page.therapists)
        slot_url = url_for_each("schedule:slot", key="slot_id", slug=self.clinic.slug)
        this_week = f"?week={monday.isoformat()}"
        context.update(
            grid=with_slot_buttons(grid, slot_url=slot_url),
            page=page,
            selected=selected,
            name_filter=week_filter.name,
            filter_query=week_filter.query(page=page.number),
            previous_page_url=this_week + week_filter.query(page=page.number - 1),
            next_page_url=this_week + week_filter.query(page=page.number + 1),
            everyone_url=this_week,
            today=today,
            range_url=reverse("schedule:range", kwargs={"slug": self.clinic.slug}),
        )
        return context


class MyWeekView(TherapistRequiredMixin, TemplateView):
    """A therapist's own week, read only."""

    template_name = "booking/schedule/my_week.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        therapist = self.request.user.therapist
        clinic = therapist.clinic
        today = clinic.today()
        monday = parse_week(self.request.GET.get("week"), today=today)
        context.update(
            clinic=clinic,
            grid=with_slot_buttons(
                clinic_week(clinic=clinic, monday=monday, therapists=[therapist]),
                slot_url=None,
            ),
            today=today,
        )
        return context


class BlockConfirmationMixin:
    """Blocking booked sessions takes a second, explicit confirmation."""

    confirm_template_name = "booking/schedule/confirm_block.html"

    def block_or_confirm(self, *, slots: list[Slot], reason: str, hidden: dict, back_url: str):
        booked = [slot for slot in slots if slot.booking_id]
        if booked and self.request.POST.get("confirm") != "yes":
            return render(
                self.request,
                self.confirm_template_name,
                {
                    "clinic": self.clinic,
                    "booked": booked,
                    "slot_count": len(slots),
                    "reason": reason,
                    "hidden": hidden,
                    "back_url": back_url,
                },
            )
        try:
            cancelled = block_slots(slots=slots, reason=reason, by_user=self.request.user)
        except ScheduleError as error:
            messages.error(self.request, error.message)
            return HttpResponseRedirect(back_url)
        text = f"Blocked {len(slots)} slot{'s' if len(slots) != 1 else ''}: {reason}."
        if cancelled:
            text += (
                f" Cancelled {len(cancelled)} booked session{'s' if len(cancelled) != 1 else ''};"
                " each client has been e-mailed a link to rebook."
            )
        messages.success(self.request, text)
        return HttpResponseRedirect(back_url)


class SlotView(BlockConfirmationMixin, AdministeredClinicMixin, TemplateView):
    """One slot: who is booked, and block or reopen it."""

    template_name = "booking/schedule/slot.html"

    @cached_property
    def slot(self) -> Slot:
        return get_object_or_404(
            with_active_booking(
                Slot.objects.filter(therapist__clinic=self.clinic).select_related("therapist")
            ),
            pk=self.kwargs["slot_id"],
        )

    def back_url(self) -> str:
        return week_url(self.clinic, self.clinic.local_date(self.slot.starts_at))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", BlockReasonForm())
        booking = None
        if self.slot.booking_id:
            booking = Booking.objects.select_related("client").get(pk=self.slot.booking_id)
        return super().get_context_data(
            slot=self.slot,
            booking=booking,
            starts_at=timezone.localtime(self.slot.starts_at, self.clinic.tz),
            ends_at=timezone.localtime(self.slot.ends_at, self.clinic.tz),
            is_past=self.slot.starts_at <= timezone.now(),
            week_url=self.back_url(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "unblock":
            unblock_slots(slots=[self.slot])
            messages.success(request, "The slot is open again.")
            return HttpResponseRedirect(self.back_url())
        form = BlockReasonForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        reason = form.cleaned_data["reason"].strip()
        return self.block_or_confirm(
            slots=[self.slot],
            reason=reason,
            hidden={"action": "block", "reason": reason},
            back_url=self.back_url(),
        )


class SlotRangeView(BlockConfirmationMixin, AdministeredClinicMixin, FormView):
    """Block or reopen a whole day or range of days, for one therapist or everyone."""

    template_name = "booking/schedule/range.html"
    form_class = SlotRangeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["clinic"] = self.clinic
        return kwargs

    def get_initial(self):
        day = self.request.GET.get("day") or self.request.GET.get("starts_on")
        initial = {
            "starts_on": day,
            "ends_on": self.request.GET.get("ends_on") or day,
            "from_time": self.request.GET.get("from_time"),
            "until_time": self.request.GET.get("until_time"),
            "reason": self.request.GET.get("reason", ""),
        }
        therapist_id = parse_id(self.request.GET.get("therapist"))
        if therapist_id is not None:
            initial["therapist"] = therapist_id
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        therapist = data["therapist"]
        slots = slots_between(clinic=self.clinic, first=data["starts_on"], last=data["ends_on"])
        slots = within_hours(
            slots,
            clinic=self.clinic,
            from_time=data["from_time"],
            until_time=data["until_time"],
            first=data["starts_on"],
            last=data["ends_on"],
        )
        if therapist is not None:
            slots = slots.filter(therapist=therapist)
        back_url = week_url(self.clinic, data["starts_on"])
        if data["action"] == SlotRangeForm.UNBLOCK:
            reopened = unblock_slots(slots=list(slots.filter(status=Slot.Status.BLOCKED)))
            messages.success(
                self.request, f"Reopened {reopened} slot{'s' if reopened != 1 else ''}."
            )
            return HttpResponseRedirect(back_url)
        slots = list(
            with_active_booking(slots.filter(starts_at__gt=timezone.now())).select_related(
                "therapist"
            )
        )
        if not slots:
            form.add_error(None, "There are no upcoming slots on those days to block.")
            return self.form_invalid(form)
        reason = data["reason"].strip()
        hidden = {
            "action": "block",
            "therapist": therapist.pk if therapist else "",
            "starts_on": data["starts_on"].isoformat(),
            "ends_on": data["ends_on"].isoformat(),
            "from_time": data["from_time"].strftime("%H:%M") if data["from_time"] else "",
            "until_time": data["until_time"].strftime("%H:%M") if data["until_time"] else "",
            "reason": reason,
        }
        return self.block_or_confirm(slots=slots, reason=reason, hidden=hidden, back_url=back_url)


class GenerateSlotsView(AdministeredClinicMixin, FormView):
    template_name = "booking/schedule/generate.html"

    def get_form(self, form_class=None):
        return GenerateSlotsForm(clinic=self.clinic, **self.get_form_kwargs())

    def get_initial(self):
        today = self.clinic.today()
        return {
            "starts_on": today,
            "ends_on": today + dt.timedelta(weeks=self.clinic.booking_horizon_weeks),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        therapists = (
            [data["therapist"]] if data["therapist"] else list(self.clinic.therapists.active())
        )
        removed = created = 0
        try:
            for therapist in therapists:
                if data["replace_open"]:
                    withdrawn, added = relayout_slots(
                        therapist=therapist, start=data["starts_on"], end=data["ends_on"]
                    )
                    removed += withdrawn
                    created += added
                else:
                    created += len(
                        generate_slots(
                            therapist=therapist, start=data["starts_on"], end=data["ends_on"]
                        )
                    )
        except ScheduleError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if removed:
            messages.success(self.request, f"Withdrew {removed} open slots that no longer fit.")
        if created:
            messages.success(self.request, f"Laid out {created} new slots.")
        else:
            messages.info(
                self.request,
                "No new slots: those days are already laid out, or nobody works then. "
                "Check working hours and time off.",
            )
        return HttpResponseRedirect(week_url(self.clinic, data["starts_on"]))


class TherapistScheduleMixin(AdministeredClinicMixin):
    """One therapist of the administered clinic (404 for anyone else's)."""

    @cached_property
    def therapist(self) -> Therapist:
        return get_object_or_404(
            self.clinic.therapists.select_related("clinic"), pk=self.kwargs["therapist_id"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(therapist=self.therapist, **kwargs)

    def therapist_url(self) -> str:
        return reverse(
            "clinics:therapist_edit", kwargs={"slug": self.clinic.slug, "pk": self.therapist.pk}
        )


@dataclass
class HoursDay:
    """One weekday of her week grid: its stretches, and the form to add one more."""

    weekday: int
    name: str
    stretches: list
    add_form: WorkingHoursForm


class WorkingHoursView(TherapistScheduleMixin, FormView):
    """Her usual week as a grid: each day's stretches, changed, removed or added in place;
    below it, a stretch that applies only between two dates."""

    template_name = "booking/schedule/working_hours.html"

    def get_form(self, form_class=None):
        return WorkingHoursForm(therapist=self.therapist, **self.get_form_kwargs())

    def week_grid(self, *, failed_form=None, failed_stretch=None) -> list[HoursDay]:
        """The seven days; a form that failed stays where she typed it, with her input."""
        hours = list(self.therapist.working_hours.all())
        for stretch in hours:
            stretch.form = failed_form if stretch == failed_stretch else None
        posted_day = failed_form.data.get("weekday") if failed_form and not failed_stretch else None
        return [
            HoursDay(
                weekday=weekday,
                name=name,
                stretches=[stretch for stretch in hours if stretch.weekday == weekday],
                add_form=failed_form
                if posted_day == str(weekday)
                else WorkingHoursForm(therapist=self.therapist, initial={"weekday": weekday}),
            )
            for weekday, name in WorkingHours.Weekday.choices
        ]

    def get_context_data(self, **kwargs):
        grid = kwargs.pop("grid", None) or self.week_grid()
        return super().get_context_data(week=grid, **kwargs)

    def form_invalid(self, form):
        if self.request.POST.get("in_grid"):
            return self.render_to_response(
                self.get_context_data(
                    grid=self.week_grid(failed_form=form),
                    form=WorkingHoursForm(therapist=self.therapist),
                )
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        form.instance.therapist = self.therapist
        try:
            created = add_working_hours(hours=form.instance)
        except ScheduleError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Hours added: {form.instance}. {created} new slots.")
        return redirect(self.request.path)


class WorkingHoursChangeView(WorkingHoursView):
    """New times for one stretch, typed in place in her week grid."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        stretch = get_object_or_404(self.therapist.working_hours, pk=self.kwargs["hours_id"])
        data = request.POST.copy()
        data.update(
            {
                "weekday": stretch.weekday,
                "valid_from": stretch.valid_from or "",
                "valid_until": stretch.valid_until or "",
            }
        )
        form = WorkingHoursForm(data, instance=stretch, therapist=self.therapist)
        if not form.is_valid():
            return self.refused(form, stretch)
        try:
            created = change_working_hours(
                hours=stretch,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
        except ScheduleError as error:
            # Another change to her hours landed between the form's check and this one.
            form.add_error(None, error.message)
            return self.refused(form, stretch)
        messages.success(request, f"Hours changed: {stretch}. {created} new slots.")
        return redirect("schedule:hours", slug=self.clinic.slug, therapist_id=self.therapist.pk)

    def refused(self, form, stretch):
        # The instance now carries her refused times; show the saved ones beside the form.
        stretch.refresh_from_db()
        grid = self.week_grid(failed_form=form, failed_stretch=stretch)
        return self.render_to_response(
            self.get_context_data(grid=grid, form=WorkingHoursForm(therapist=self.therapist))
        )


class WorkingHoursDeleteView(TherapistScheduleMixin, View):
    def post(self, request, *args, **kwargs):
        stretch = get_object_or_404(self.therapist.working_hours, pk=self.kwargs["hours_id"])
        removed = remove_working_hours(hours=stretch)
        messages.success(
            request,
            f"Removed {stretch}. {removed} open slots withdrawn; booked sessions are unchanged.",
        )
        return redirect("schedule:hours", slug=self.clinic.slug, therapist_id=self.therapist.pk)


class TimeOffView(TherapistScheduleMixin, FormView):
    """Her days off, and a form to add some."""

    template_name = "booking/schedule/time_off.html"
    form_class = TimeOffForm

    def get_context_data(self, **kwargs):
        today = self.clinic.today()
        return super().get_context_data(
            time_off=self.therapist.time_off.filter(ends_on__gte=today), **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            time_off = add_time_off(
                therapist=self.therapist,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                from_time=data["from_time"],
                until_time=data["until_time"],
                reason=data["reason"],
            )
        except ScheduleError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        still_booked = (
            with_active_booking(slots_in_time_off(Slot.objects.all(), time_off))
            .filter(booking_id__isnull=False, starts_at__gt=timezone.now())
            .count()
        )
        messages.success(self.request, "Time off added; her open slots in it are gone.")
        if not still_booked:
            return redirect(self.request.path)
        # As with whole days: booked sessions stay until the clinic blocks them, which cancels
        # them and tells each client.
        messages.warning(
            self.request,
            f"{self.therapist.display_name} still has {still_booked} booked session"
            f"{'s' if still_booked != 1 else ''} in that time. To cancel them and tell the "
            "clients, block that time below.",
        )
        query = {
            "therapist": self.therapist.pk,
            "starts_on": data["starts_on"].isoformat(),
            "ends_on": data["ends_on"].isoformat(),
            "reason": data["reason"],
        }
        for name in ("from_time", "until_time"):
            if data[name]:
                query[name] = data[name].strftime("%H:%M")
        return HttpResponseRedirect(
            f"{reverse('schedule:range', kwargs={'slug': self.clinic.slug})}?{urlencode(query)}"
        )


class TimeOffDeleteView(TherapistScheduleMixin, View):
    def post(self, request, *args, **kwargs):
        time_off = get_object_or_404(self.therapist.time_off, pk=self.kwargs["time_off_id"])
        created = remove_time_off(time_off=time_off)
        messages.success(request, f"Time off removed; {len(created)} slots laid out again.")
        return redirect("schedule:time_off", slug=self.clinic.slug, therapist_id=self.therapist.pk)


class DeactivateTherapistView(TherapistScheduleMixin, TemplateView):
    """Confirm, then stop offering her; her booked sessions are listed, not touched."""

    template_name = "booking/schedule/deactivate.html"

    def get_context_data(self, **kwargs):
        upcoming = Booking.objects.filter(
            slot__therapist=self.therapist,
            status=Booking.Status.BOOKED,
            starts_at__gt=timezone.now(),
        ).count()
        return super().get_context_data(upcoming_count=upcoming, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "reactivate":
            created = reactivate_therapist(therapist=self.therapist)
            messages.success(
                request,
                f"{self.therapist.display_name} is bookable again; {len(created)} slots laid out.",
            )
        else:
            removed = deactivate_therapist(therapist=self.therapist)
            messages.success(
                request,
                f"{self.therapist.display_name} is no longer bookable; "
                f"{removed} open slots withdrawn.",
            )
        return HttpResponseRedirect(self.therapist_url())
