"""One router for API v1, so its root lists every resource of every app."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from courts.api.consents import (
    ConfirmationConsentCodeView,
    ConfirmationConsentsView,
    PowerOfAttorneyView,
)
from courts.api.views import ReferralViewSet
from documents.api.urls import urlpatterns as documents_urls
from mediation.api.reference_views import CourtViewSet, MediationBodyViewSet, MediatorViewSet
from mediation.api.views import DisputeViewSet
from mediation.figures.api import RatesView
from parties.api_views import (
    PersonalDataErasureView,
    PersonalDataExportView,
    PhoneChangeCodeView,
    PhoneChangeView,
    PortalAccountView,
)

router = DefaultRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("bodies", MediationBodyViewSet, basename="body")
router.register("mediators", MediatorViewSet, basename="mediator")
router.register("courts", CourtViewSet, basename="court")

urlpatterns = [
    *documents_urls,
    path(
        "disputes/<int:dispute_id>/confirmation-consents/",
        ConfirmationConsentsView.as_view(),
        name="api-confirmation-consents",
    ),
    path(
        "disputes/<int:dispute_id>/confirmation-consents/code/",
        ConfirmationConsentCodeView.as_view(),
        name="api-confirmation-consent-code",
    ),
    path(
        "disputes/<int:dispute_id>/parties/<int:case_party_id>/power-of-attorney/",
        PowerOfAttorneyView.as_view(),
        name="api-power-of-attorney",
    ),
    path("stats/rates/", RatesView.as_view(), name="api-rates"),
    # A body's record of a party: personal data on request, the portal account, a new phone.
    path(
        "parties/<int:party_id>/personal-data/export/",
        PersonalDataExportView.as_view(),
        name="api-personal-data-export",
    ),
    path(
        "parties/<int:party_id>/personal-data/erase/",
        PersonalDataErasureView.as_view(),
        name="api-personal-data-erase",
    ),
    path("parties/<int:party_id>/phone/", PhoneChangeView.as_view(), name="api-party-phone"),
    path(
        "parties/<int:party_id>/phone/code/",
        PhoneChangeCodeView.as_view(),
        name="api-party-phone-code",
    ),
    path(
        "parties/<int:party_id>/portal-account/",
        PortalAccountView.as_view(),
        name="api-party-portal-account",
    ),
    *router.urls,
]
