from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CourtLevel(models.TextChoices):
    SUPREME = "supreme", _("Supreme People's Court")
    HIGH = "high", _("High People's Court")
    INTERMEDIATE = "intermediate", _("Intermediate People's Court")
    BASIC = "basic", _("Basic People's Court")


class Court(models.Model):
    """A people's court that delegates cases, receives referrals and confirms agreements."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The code used in case numbers, e.g. 赣0102 in (2026)赣0102民初456号.
    code = models.CharField(_("court code"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=CourtLevel.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")

    def __str__(self) -> str:
        return self.name


class CourtStaff(models.Model):
    """A court clerk or judge; bound to exactly one court, which scopes what they see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="court_staff"
    )
    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="staff")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("court staff member")
        verbose_name_plural = _("court staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.court}"
