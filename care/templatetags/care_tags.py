"""Check-in and progress panels other apps' pages show, each in a fixed number of queries."""

from django import template
from django.utils import timezone

from care import queries, services
from care.chart import progress_chart
from care.services.checkins import checkin_opens_at

register = template.Library()


@register.inclusion_tag("care/includes/plan_progress.html")
def plan_progress(plan):
    """Her pain before and after each session of the plan, as a chart and a table."""
    points = queries.plan_progress(plan=plan)
    return {"points": points, "chart": progress_chart(points), "for_staff": False}


@register.inclusion_tag("care/includes/checkin_panel.html")
def checkin_panel(booking):
    """On her session page: check in (when open), checked in, or on hold."""
    return {
        "booking": booking,
        "checkin": getattr(booking, "checkin", None) if booking.is_active else None,
        "is_open": services.checkin_is_open(booking),
        "opens_at": checkin_opens_at(booking),
        "hold": services.open_hold(booking) if booking.is_active else None,
        "now": timezone.now(),
    }


@register.inclusion_tag("care/includes/session_summary.html")
def session_care_summary(booking):
    """On the therapist's session page: hold, check-in and her last three sessions."""
    return {
        "booking": booking,
        "checkin": getattr(booking, "checkin", None),
        "hold": services.open_hold(booking),
        "recent": queries.recent_sessions(booking=booking),
    }
