"""The clinic dashboard (therapists, settings) and public therapist profiles."""

from django.urls import path

from clinics import views

app_name = "clinics"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/<slug:slug>/", views.ClinicHomeView.as_view(), name="clinic_home"),
    path("dashboard/<slug:slug>/settings/", views.ClinicSettingsView.as_view(), name="settings"),
    path("dashboard/<slug:slug>/therapists/", views.TherapistListView.as_view(), name="therapists"),
    path(
        "dashboard/<slug:slug>/therapists/invite/",
        views.TherapistInviteView.as_view(),
        name="therapist_invite",
    ),
    path(
        "dashboard/<slug:slug>/therapists/<int:pk>/",
        views.TherapistEditView.as_view(),
        name="therapist_edit",
    ),
    path(
        "<slug:slug>/therapists/<slug:therapist_slug>/",
        views.TherapistDetailView.as_view(),
        name="therapist",
    ),
]
