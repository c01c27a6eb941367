"""What her moved due date changed in her plans, and the extra weeks she can add."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ClientRequiredMixin
from booking import queries
from booking.models import Booking, Plan
from booking.params import parse_ids
from booking.services.due_dates import DUE_DATE_MOVED, extend_plan, extension_preview
from booking.services.errors import BookingError, PlanChanged
from safety import services as safety_services


class DueDateChangesView(ClientRequiredMixin, TemplateView):
    """Everything she lost or gained when her due date moved, on one page."""

    template_name = "booking/due_date_changes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        client = self.request.user
        profile = safety_services.pregnancy_profile(client)
        plans = list(
            Plan.objects.filter(client=client, status=Plan.Status.ACTIVE).select_related(
                "therapist__clinic"
            )
        )
        context.update(
            profile=profile,
            cancelled=list(
                queries.client_bookings(client=client).filter(
                    status=Booking.Status.CANCELLED, cancel_reason=DUE_DATE_MOVED
                )
            ),
            plans=plans,
            extendable=[plan for plan in plans if profile and plan.ends_on < profile.due_date],
        )
        return context


class ExtendPlanView(ClientRequiredMixin, View):
    """The extra weeks to her later due date, date by date; she ticks and books them."""

    template_name = "booking/extend_plan.html"

    def render_page(self, request, plan, *, error=None, status=200):
        try:
            preview = extension_preview(plan=plan)
        except BookingError as error_now:
            preview, error = None, error or error_now
        context = {"plan": plan, "clinic": plan.therapist.clinic, "preview": preview}
        context["error"] = error
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        plan = get_object_or_404(
            Plan.objects.select_related("therapist__clinic"), pk=pk, client=request.user
        )
        return self.render_page(request, plan)

    def post(self, request, pk):
        plan = get_object_or_404(
            Plan.objects.select_related("therapist__clinic"), pk=pk, client=request.user
        )
        try:
            result = extend_plan(
                plan=plan, accepted_slot_ids=parse_ids(request.POST.getlist("slot"))
            )
        except PlanChanged as error:
            return self.render_page(request, plan, error=error, status=409)
        except BookingError as error:
            return self.render_page(request, plan, error=error, status=400)
        planned = len(result.plan.planned_sessions.filter(status="planned"))
        messages.success(
            request,
            f"Your plan now runs to your due date: {len(result.booked)} more sessions booked"
            + (f", {planned} planned." if planned else "."),
        )
        return redirect("booking:plan_detail", pk=plan.pk)
