"""The SMS provider's webhooks: texts she sends us (STOP/START) and delivery receipts.

Both are refused (403, nothing changed) unless they carry Twilio's signature of this very
request made with our auth token (``X-Twilio-Signature``, checked by Twilio's
``RequestValidator``). The URL signed is the public one, ``SITE_URL`` plus the path, as
Twilio requested it: behind a TLS-terminating proxy the request the app sees differs.
"""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from booking.services.texting import handle_inbound_text, record_delivery

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_by_twilio(request) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def inbound(request):
    if not signed_by_twilio(request):
        logger.warning("Inbound text refused: bad or missing signature")
        return HttpResponseForbidden("Bad signature")
    done = handle_inbound_text(
        number=request.POST.get("From", ""), body=request.POST.get("Body", "")
    )
    logger.info("Inbound text: %s", done)
    # Twilio answers STOP and START itself; we reply nothing more.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def status(request):
    if not signed_by_twilio(request):
        logger.warning("Delivery receipt refused: bad or missing signature")
        return HttpResponseForbidden("Bad signature")
    record_delivery(
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
    )
    return HttpResponse(status=204)
