"""The court inbox pages, mounted at /court/ (namespace "courts")."""

from django.urls import path

from courts import views

app_name = "courts"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/<slug:name>/", views.referral_step, name="step"),
]
