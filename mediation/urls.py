from django.urls import path

from . import agreement_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.register, name="register"),
    path("new/party-row/", views.party_row, name="party_row"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/transitions/<slug:name>/", views.transition, name="transition"),
    path("<int:pk>/sessions/", views.schedule_session, name="sessions"),
    path("<int:pk>/sessions/<int:session_id>/", views.record_session, name="session"),
    path("<int:pk>/agreement/", agreement_views.agreement, name="agreement"),
    path("<int:pk>/agreement/sign/", agreement_views.signing, name="signing"),
]
