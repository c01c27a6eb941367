"""The front desk: booking for clients, attendance, and the clinic's reports."""

from django.urls import path

from frontdesk import views

app_name = "frontdesk"

urlpatterns = [
    path("", views.FrontDeskHomeView.as_view(), name="home"),
    path("<slug:slug>/", views.SearchView.as_view(), name="search"),
    path("<slug:slug>/clients/new/", views.NewClientView.as_view(), name="new_client"),
    path("<slug:slug>/clients/<int:client_id>/", views.ClientView.as_view(), name="client"),
    path(
        "<slug:slug>/clients/<int:client_id>/email/",
        views.AddEmailView.as_view(),
        name="add_email",
    ),
    path(
        "<slug:slug>/clients/<int:client_id>/book/<int:slot_id>/",
        views.BookSlotView.as_view(),
        name="book_slot",
    ),
    path("<slug:slug>/clients/<int:client_id>/plan/", views.PlanView.as_view(), name="plan"),
    path(
        "<slug:slug>/clients/<int:client_id>/clearance/",
        views.ClearanceView.as_view(),
        name="clearance",
    ),
    path("<slug:slug>/sessions/<int:booking_id>/move/", views.MoveView.as_view(), name="move"),
    path(
        "<slug:slug>/sessions/<int:booking_id>/cancel/", views.CancelView.as_view(), name="cancel"
    ),
    path(
        "<slug:slug>/sessions/<int:booking_id>/attendance/",
        views.AttendanceView.as_view(),
        name="attendance",
    ),
    path(
        "<slug:slug>/plans/<int:plan_id>/cancel/",
        views.CancelPlanView.as_view(),
        name="cancel_plan",
    ),
    path("<slug:slug>/day/", views.DayView.as_view(), name="day"),
    path("<slug:slug>/unmarked/", views.UnmarkedView.as_view(), name="unmarked"),
    path("<slug:slug>/reports/", views.ReportsView.as_view(), name="reports"),
]
