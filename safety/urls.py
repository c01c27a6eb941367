"""Her pregnancy and health pages, her data, and the staff's session review."""

from django.urls import path

from safety import views

app_name = "safety"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("questions/", views.IntakeView.as_view(), name="intake"),
    path("questions/what-to-do-now/", views.HealthAlertView.as_view(), name="health_alert"),
    path("letters/", views.DocumentsView.as_view(), name="documents"),
    path("letters/<int:document_id>/", views.DocumentFileView.as_view(), name="document_file"),
    path("my-data/", views.ExportView.as_view(), name="export"),
    path("delete-account/", views.DeleteAccountView.as_view(), name="delete_account"),
    path("sessions/<int:booking_id>/", views.SessionReviewView.as_view(), name="session_review"),
    path(
        "sessions/<int:booking_id>/acknowledge/",
        views.AcknowledgeView.as_view(),
        name="acknowledge",
    ),
    path(
        "sessions/<int:booking_id>/clearance/",
        views.RecordClearanceView.as_view(),
        name="record_clearance",
    ),
    path(
        "sessions/<int:booking_id>/answers/",
        views.ClientIntakeView.as_view(),
        name="client_intake",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
]
