from django.urls import path

from clinics import views

app_name = "clinics"

urlpatterns = [
    path("", views.ClinicListView.as_view(), name="list"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("<slug:slug>/", views.ClinicDetailView.as_view(), name="detail"),
    path(
        "<slug:slug>/therapists/<slug:therapist_slug>/",
        views.TherapistDetailView.as_view(),
        name="therapist",
    ),
]
