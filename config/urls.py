from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from config.health import health
from config.tokens import LogoutAllView, LogoutView
from config.views import TokenView, start
from documents.views import verify

# A URL of nothing under /api/ answers JSON, as the API does (config.views.not_found).
handler404 = "config.views.not_found"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("start/", start, name="start"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("verify/<slug:code>/", verify, name="verify"),
    # Django's sign-in pages; password reset only when configured (config/accounts.py).
    path("accounts/", include("config.accounts")),
    path("court/", include("courts.urls")),
    path("cases/", include("mediation.workbench.urls")),
    path("portal/", include("parties.urls")),
    # Session .ics files and mediators' calendar feeds (mediation/calendar_views.py).
    path("calendar/", include("mediation.calendar.views")),
    # Rates per slice with charts, the cases behind each number, exports.
    path("dashboard/", include("mediation.figures.views")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api-auth/", include("rest_framework.urls")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("api/v1/auth/logout/all/", LogoutAllView.as_view(), name="api-logout-all"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
