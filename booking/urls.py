"""The client's pages: clinics, times, booking, her bookings and plans, reminders."""

from django.urls import path

from booking import birth_views, due_date_views, session_link_views, views

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
    path(
        "session/<str:token>/",
        session_link_views.SessionLinkView.as_view(),
        name="session_link",
    ),
    path("mine/calendar.ics", views.UpcomingIcsView.as_view(), name="my_bookings_ics"),
    path("mine/<int:pk>/", views.BookingDetailView.as_view(), name="booking"),
    path("mine/<int:pk>/calendar.ics", views.BookingIcsView.as_view(), name="booking_ics"),
    path("mine/<int:pk>/cancel/", views.CancelBookingView.as_view(), name="cancel"),
    path("mine/<int:pk>/move/", views.MoveBookingView.as_view(), name="move"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/cancel/", views.CancelPlanView.as_view(), name="cancel_plan"),
    path("plans/<int:pk>/extend/", due_date_views.ExtendPlanView.as_view(), name="extend_plan"),
    path(
        "due-date-changes/",
        due_date_views.DueDateChangesView.as_view(),
        name="due_date_changes",
    ),
    path("baby-arrived/", birth_views.BabyArrivedView.as_view(), name="baby_arrived"),
    path("reminders/", views.ReminderPreferencesView.as_view(), name="reminder_preferences"),
]
