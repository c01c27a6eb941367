"""The therapist's sessions: her day, and one session's flags, clearances and answers."""

from django.urls import path

from backoffice.views import sessions as views

app_name = "sessions"

urlpatterns = [
    path("book/sessions/", views.TherapistDayView.as_view(), name="day"),
    path("health/sessions/<int:booking_id>/", views.SessionReviewView.as_view(), name="review"),
    path(
        "health/sessions/<int:booking_id>/acknowledge/",
        views.AcknowledgeView.as_view(),
        name="acknowledge",
    ),
    path(
        "health/sessions/<int:booking_id>/clearance/",
        views.RecordClearanceView.as_view(),
        name="record_clearance",
    ),
    path(
        "health/sessions/<int:booking_id>/answers/",
        views.ClientIntakeView.as_view(),
        name="client_intake",
    ),
]
