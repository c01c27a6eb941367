"""The client's pages: clinics, times, booking, her bookings and plans, reminders."""

from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("", views.ClinicListView.as_view(), name="clinics"),
    path("clinic/<slug:slug>/", views.ClinicDetailView.as_view(), name="clinic"),
    path("clinic/<slug:slug>/plan/", views.PlanView.as_view(), name="plan"),
    path(
        "clinic/<slug:slug>/therapists/<slug:therapist_slug>/",
        views.TherapistDetailView.as_view(),
        name="therapist",
    ),
    path("time/<int:slot_id>/", views.SlotView.as_view(), name="slot"),
    path("mine/", views.MyBookingsView.as_view(), name="my_bookings"),
    path("mine/calendar.ics", views.UpcomingIcsView.as_view(), name="my_bookings_ics"),
    path("mine/<int:pk>/", views.BookingDetailView.as_view(), name="booking"),
    path("mine/<int:pk>/calendar.ics", views.BookingIcsView.as_view(), name="booking_ics"),
    path("mine/<int:pk>/cancel/", views.CancelBookingView.as_view(), name="cancel"),
    path("mine/<int:pk>/move/", views.MoveBookingView.as_view(), name="move"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/cancel/", views.CancelPlanView.as_view(), name="cancel_plan"),
    path("reminders/", views.ReminderPreferencesView.as_view(), name="reminder_preferences"),
]
