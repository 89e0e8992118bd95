from django.urls import path

from mediation.ledger import views as ledger_views
from mediation.workbench import agreement_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.register, name="register"),
    path("new/party-row/", views.party_row, name="party_row"),
    path("overview/", views.overview, name="overview"),
    # Field history of the body's disputes, parties and agreements.
    path("audit/", views.audit, name="audit"),
    # Ledger import (SPEC §8).
    path("import/", ledger_views.upload, name="ledger_upload"),
    path("import/<int:pk>/", ledger_views.report, name="ledger_import"),
    path("import/<int:pk>/errors.csv", ledger_views.errors_csv, name="ledger_errors"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/transitions/<slug:name>/", views.transition, name="transition"),
    path("<int:pk>/sessions/", views.schedule_session, name="sessions"),
    path("<int:pk>/sessions/<int:session_id>/", views.record_session, name="session"),
    path("<int:pk>/agreement/", agreement_views.agreement, name="agreement"),
    path("<int:pk>/agreement/sign/", agreement_views.signing, name="signing"),
]
