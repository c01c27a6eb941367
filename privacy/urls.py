"""Her account and data pages: settings, the export and the deletion of her account."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("account/", views.AccountView.as_view(), name="account"),
    path("my-data/", views.ExportView.as_view(), name="export"),
    path("delete-account/", views.DeleteAccountView.as_view(), name="delete_account"),
]
