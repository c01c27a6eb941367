"""The clinic admin's pages: dashboard, therapists, settings, reminders and the audit log.

The URL names keep the ``clinics:`` namespace the pages have always had.
"""

from django.urls import path

from backoffice.views import audit, clinic, messages

app_name = "clinics"

urlpatterns = [
    path("dashboard/", clinic.DashboardView.as_view(), name="dashboard"),
    path("dashboard/<slug:slug>/", clinic.ClinicHomeView.as_view(), name="clinic_home"),
    path(
        "dashboard/<slug:slug>/sessions/<slug:kind>/",
        clinic.AttentionListView.as_view(),
        name="attention",
    ),
    path("dashboard/<slug:slug>/settings/", clinic.ClinicSettingsView.as_view(), name="settings"),
    path(
        "dashboard/<slug:slug>/therapists/", clinic.TherapistListView.as_view(), name="therapists"
    ),
    path(
        "dashboard/<slug:slug>/therapists/invite/",
        clinic.TherapistInviteView.as_view(),
        name="therapist_invite",
    ),
    path(
        "dashboard/<slug:slug>/therapists/<int:pk>/",
        clinic.TherapistEditView.as_view(),
        name="therapist_edit",
    ),
    path("reminders/", messages.ClinicRemindersView.as_view(), name="reminders"),
    path("audit/", audit.AuditLogView.as_view(), name="audit_log"),
]
