"""The SMS provider's webhooks."""

from django.urls import path

from booking import sms_views

app_name = "sms"

urlpatterns = [
    path("inbound/", sms_views.inbound, name="inbound"),
    path("status/", sms_views.status, name="status"),
]
