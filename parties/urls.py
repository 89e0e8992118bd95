"""The party portal, mounted at /portal/."""

from django.urls import path

from parties import views

app_name = "portal"

urlpatterns = [
    path("", views.cases, name="cases"),
    path("login/", views.login_phone, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("cases/<int:pk>/", views.case, name="case"),
    # The party's own personal data, as JSON.
    path("my-data/", views.my_data, name="my-data"),
    path("cases/<int:pk>/signing-code/", views.signing_code, name="signing-code"),
    path("cases/<int:pk>/sign/", views.sign, name="sign"),
    path("cases/<int:pk>/consent-code/", views.consent_code, name="consent-code"),
    path("cases/<int:pk>/consent/", views.consent, name="consent"),
    path("cases/<int:pk>/documents/<slug:kind>.pdf", views.document_pdf, name="document"),
]
