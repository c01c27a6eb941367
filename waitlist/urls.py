"""The waitlist's pages."""

from django.urls import path

from waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("clinic/<slug:slug>/join/", views.JoinView.as_view(), name="join"),
    path("mine/", views.MyWaitlistView.as_view(), name="mine"),
    path("mine/<int:pk>/leave/", views.LeaveView.as_view(), name="leave"),
    path("offer/<str:token>/", views.OfferView.as_view(), name="offer"),
    path("clinic/<slug:slug>/day/", views.ClinicWaitlistView.as_view(), name="clinic_day"),
]
