"""Agreement, signature and document endpoints, nested under a dispute (SPEC §7)."""

from django.urls import path

from documents.api import minutes, views

urlpatterns = [
    path(
        "disputes/<int:dispute_id>/agreement/", views.AgreementView.as_view(), name="api-agreement"
    ),
    path(
        "disputes/<int:dispute_id>/agreement/signatures/",
        views.SignaturesView.as_view(),
        name="api-signatures",
    ),
    path(
        "disputes/<int:dispute_id>/agreement/signatures/code/",
        views.SigningCodeView.as_view(),
        name="api-signing-code",
    ),
    path(
        "disputes/<int:dispute_id>/agreement/mediator-signature/",
        views.MediatorSignatureView.as_view(),
        name="api-mediator-signature",
    ),
    path(
        "disputes/<int:dispute_id>/agreement/preview/",
        views.AgreementPreviewView.as_view(),
        name="api-agreement-preview",
    ),
    path(
        "disputes/<int:dispute_id>/documents/",
        views.DocumentListView.as_view(),
        name="api-documents",
    ),
    path(
        "disputes/<int:dispute_id>/documents/<slug:kind>/pdf/",
        views.DocumentPdfView.as_view(),
        name="api-document-pdf",
    ),
    path(
        "disputes/<int:dispute_id>/sessions/<int:session_id>/minutes/signatures/",
        minutes.MinutesSignaturesView.as_view(),
        name="api-minutes-signatures",
    ),
    path(
        "disputes/<int:dispute_id>/sessions/<int:session_id>/minutes/pdf/",
        minutes.MinutesPdfView.as_view(),
        name="api-minutes-pdf",
    ),
]
