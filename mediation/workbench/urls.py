from django.urls import path

from mediation.ledger import views as ledger_views
from mediation.workbench import (
    agreement_views,
    case_views,
    consent_views,
    minutes_views,
    overview_views,
    party_views,
    queue_views,
    registration_views,
)

app_name = "workbench"

urlpatterns = [
    path("", queue_views.queue, name="queue"),
    path("new/", registration_views.register, name="register"),
    path("new/party-row/", registration_views.party_row, name="party_row"),
    path("overview/", overview_views.overview, name="overview"),
    # Field history of the body's disputes, parties and agreements.
    path("audit/", overview_views.audit, name="audit"),
    # Ledger import (SPEC §8).
    path("import/", ledger_views.upload, name="ledger_upload"),
    path(
        "import/template.<str:fmt>",
        ledger_views.template_download,
        name="ledger_template",
    ),
    path("import/<int:pk>/", ledger_views.report, name="ledger_import"),
    path("import/<int:pk>/errors.csv", ledger_views.errors_csv, name="ledger_errors"),
    path("<int:pk>/", case_views.case, name="case"),
    path("<int:pk>/transitions/<slug:name>/", case_views.transition, name="transition"),
    path("<int:pk>/sessions/", case_views.schedule_session, name="sessions"),
    path("<int:pk>/sessions/<int:session_id>/", case_views.record_session, name="session"),
    path(
        "<int:pk>/sessions/<int:session_id>/minutes/",
        minutes_views.sign_minutes,
        name="minutes_signature",
    ),
    path("<int:pk>/parties/<int:case_party_id>/", party_views.party, name="party"),
    path(
        "<int:pk>/parties/<int:case_party_id>/remove/",
        party_views.remove_party,
        name="party_remove",
    ),
    path(
        "<int:pk>/parties/<int:case_party_id>/power-of-attorney/",
        party_views.power_of_attorney,
        name="power_of_attorney",
    ),
    path(
        "<int:pk>/confirmation-consents/",
        case_views.record_confirmation_consent,
        name="confirmation_consent",
    ),
    path(
        "<int:pk>/mediation-consents/",
        consent_views.record_mediation_consent,
        name="mediation_consent",
    ),
    path(
        "<int:pk>/rights-acknowledgements/",
        consent_views.record_rights_acknowledgement,
        name="rights_acknowledgement",
    ),
    path("<int:pk>/agreement/", agreement_views.agreement, name="agreement"),
    path("<int:pk>/agreement/sign/", agreement_views.signing, name="signing"),
]
