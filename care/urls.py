"""Her check-in before a session; the therapist's care pages around it."""

from django.urls import path

from care import views

app_name = "care"

urlpatterns = [
    path("check-in/<int:booking_id>/", views.CheckInView.as_view(), name="checkin"),
    path("check-in/<int:booking_id>/done/", views.CheckInDoneView.as_view(), name="checkin_done"),
    path("sessions/<int:booking_id>/", views.SessionCareView.as_view(), name="session"),
    path(
        "sessions/<int:booking_id>/check-in/",
        views.DoorCheckInView.as_view(),
        name="door_checkin",
    ),
    path("sessions/<int:booking_id>/hold/", views.ResolveHoldView.as_view(), name="resolve_hold"),
    path("sessions/<int:booking_id>/note/", views.NoteView.as_view(), name="note"),
    path(
        "sessions/<int:booking_id>/progress/",
        views.ClientProgressView.as_view(),
        name="client_progress",
    ),
]
