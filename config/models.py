"""The one-time form tokens already spent (see `config.formtokens`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class UsedFormToken(models.Model):
    """A form token claimed by a submission, and where that submission went.

    The token's random part is the primary key: two requests carrying the same token cannot both
    insert it, whatever their timing, so only one of them does the form's work. The row is
    claimed before the work, finished after it: with the address its answer sent the user to,
    or without one when the work ended in an error (whether anything was written is then
    unknown, so the token is not given back).
    """

    key = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    result_url = models.CharField(max_length=2000, blank=True)
    used_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="formtoken_user_used")]

    def __str__(self) -> str:
        return f"{self.path} {self.used_at:%Y-%m-%d %H:%M}"
