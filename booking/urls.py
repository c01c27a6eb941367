from django.urls import path

from booking import reminder_views, views

app_name = "booking"

urlpatterns = [
    path("", views.ClinicListView.as_view(), name="clinics"),
    path("clinic/<slug:slug>/", views.ClinicDetailView.as_view(), name="clinic"),
    path("mine/", views.MyBookingsView.as_view(), name="my_bookings"),
    path("sessions/", views.TherapistDayView.as_view(), name="therapist_day"),
    path(
        "reminders/",
        reminder_views.ReminderPreferencesView.as_view(),
        name="reminder_preferences",
    ),
    path(
        "clinic-reminders/", reminder_views.ClinicRemindersView.as_view(), name="clinic_reminders"
    ),
]
