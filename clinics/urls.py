from django.urls import path

from clinics import views

app_name = "clinics"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "<slug:slug>/therapists/<slug:therapist_slug>/",
        views.TherapistDetailView.as_view(),
        name="therapist",
    ),
]
