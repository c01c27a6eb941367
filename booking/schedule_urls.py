"""The clinic admin's schedule: the week at a glance, generating and blocking slots."""

app_name = "schedule"

urlpatterns = []
