"""Her pages after her health answers that depend on her bookings: what to do now after a
red-flag answer (which sessions are on hold), and her doctors' letters."""

from django.urls import path

from booking import health_views as views

app_name = "health"

urlpatterns = [
    path("questions/what-to-do-now/", views.HealthAlertView.as_view(), name="alert"),
    path("letters/", views.DocumentsView.as_view(), name="documents"),
    path("letters/<int:document_id>/", views.DocumentFileView.as_view(), name="document_file"),
]
