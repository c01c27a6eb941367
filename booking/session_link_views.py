"""One session managed from a signed link in her e-mail, without logging in.

The pages show the session's time, therapist and clinic only: no health data. Cancelling and
moving go through the booking services, with her notice period and grace as when she is
logged in.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from booking.models import Booking, Slot
from booking.params import parse_id
from booking.picker import picker_context
from booking.services import cancel_booking, move_booking
from booking.services.errors import BookingError, SafetyBlocked
from booking.services.session_links import SessionLink, session_from_token

CANCEL = "cancel"
MOVE = "move"


@method_decorator(never_cache, name="dispatch")
class SessionLinkView(View):
    template_name = "booking/session_link.html"

    def render_link(self, request, link: SessionLink, *, status=200, **extra):
        booking = link.booking
        clinic = booking.slot.therapist.clinic
        context = {
            "link": link,
            "booking": booking,
            "clinic": clinic,
            "can_change": link.can_change,
            "token": self.kwargs["token"],
            **extra,
        }
        if extra.get("moving") and link.can_change:
            picker_url = reverse("booking:session_link", kwargs={"token": self.kwargs["token"]})
            context.update(
                picker_context(
                    clinic=clinic,
                    therapist_slug=request.GET.get("therapist", booking.slot.therapist.slug),
                    day_param=request.GET.get("day"),
                    page_param=request.GET.get("page"),
                    picker_url=picker_url,
                ),
                move_action=picker_url,
                move_action_name=MOVE,
            )
        return render(request, self.template_name, context, status=status)

    def link_or_gone(self, request):
        link = session_from_token(self.kwargs["token"])
        if link is None:
            return None, render(request, "booking/session_link_gone.html", status=404)
        return link, None

    def get(self, request, token):
        link, gone = self.link_or_gone(request)
        if gone:
            return gone
        # The picker's own links and form keep her on the move (a day, another therapist).
        moving = bool({"move", "day", "therapist"} & request.GET.keys())
        return self.render_link(request, link, moving=moving)

    def post(self, request, token):
        link, gone = self.link_or_gone(request)
        if gone:
            return gone
        booking = link.booking
        action = request.POST.get("action")
        try:
            if action == CANCEL:
                cancel_booking(booking=booking, by=Booking.CancelledBy.CLIENT)
                return render(request, "booking/session_link_done.html", {"cancelled": booking})
            if action == MOVE:
                slot = Slot.objects.filter(pk=parse_id(request.POST.get("slot"))).first()
                if slot is None:
                    raise BookingError("That time is no longer offered. Please choose another.")
                moved = move_booking(booking=booking, new_slot=slot)
                return render(request, "booking/session_link_done.html", {"moved": moved})
        except SafetyBlocked:
            # Why would name her health: that is for after she logs in.
            error = (
                "That time can't be booked online. Please log in to see why, or call the clinic."
            )
            return self.render_link(request, link, status=409, error=error, moving=True)
        except BookingError as error:
            return self.render_link(
                request, link, status=409, error=str(error), moving=action == MOVE
            )
        return self.render_link(request, link, status=400, error="Please choose what to do.")
