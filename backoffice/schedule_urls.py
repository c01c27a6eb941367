"""The clinic admin's schedule: the week at a glance, generating and blocking slots."""

from django.urls import path

from backoffice.views import schedule as views

app_name = "schedule"

urlpatterns = [
    path("mine/", views.MyWeekView.as_view(), name="my_week"),
    path("<slug:slug>/", views.WeekView.as_view(), name="week"),
    path("<slug:slug>/generate/", views.GenerateSlotsView.as_view(), name="generate"),
    path("<slug:slug>/days/", views.SlotRangeView.as_view(), name="range"),
    path("<slug:slug>/slots/<int:slot_id>/", views.SlotView.as_view(), name="slot"),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/hours/",
        views.WorkingHoursView.as_view(),
        name="hours",
    ),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/hours/<int:hours_id>/",
        views.WorkingHoursChangeView.as_view(),
        name="hours_change",
    ),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/hours/<int:hours_id>/delete/",
        views.WorkingHoursDeleteView.as_view(),
        name="hours_delete",
    ),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/time-off/",
        views.TimeOffView.as_view(),
        name="time_off",
    ),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/time-off/<int:time_off_id>/delete/",
        views.TimeOffDeleteView.as_view(),
        name="time_off_delete",
    ),
    path(
        "<slug:slug>/therapists/<int:therapist_id>/availability/",
        views.DeactivateTherapistView.as_view(),
        name="availability",
    ),
]
