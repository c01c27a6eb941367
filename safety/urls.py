"""Her pregnancy profile and health answers."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("questions/", views.IntakeView.as_view(), name="intake"),
]
