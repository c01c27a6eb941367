"""Top-level URLs: one include per app, the admin, and the health check."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.health import healthz

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("clinics/", include("backoffice.urls")),
    path("clinics/dashboard/schedule/", include("backoffice.schedule_urls")),
    path("", include("backoffice.session_urls")),
    path("book/", include("booking.urls")),
    path("health/", include("safety.urls")),
    path("health/", include("booking.health_urls")),
    path("sms/", include("booking.sms_urls")),
    path("health/", include("privacy.urls")),
    path("care/", include("care.urls")),
    path("waitlist/", include("waitlist.urls")),
    path("front-desk/", include("frontdesk.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
