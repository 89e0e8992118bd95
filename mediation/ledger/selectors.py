"""Reads of ledger imports: each import's report is its uploader's (and the superusers')."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mediation.kernel.exceptions import NotFound
from mediation.ledger.models import LedgerImport


def recent_imports(user: Any, *, limit: int = 10) -> QuerySet[LedgerImport]:
    """The user's latest uploads, newest first."""
    return LedgerImport.objects.filter(uploaded_by=user)[:limit]


def import_get(user: Any, import_id: Any) -> LedgerImport:
    """An import the user uploaded (any import for a superuser); NotFound for anything else."""
    imports = LedgerImport.objects.all()
    if not user.is_superuser:
        imports = imports.filter(uploaded_by=user)
    try:
        return imports.get(pk=import_id)
    except (LedgerImport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such ledger import.")) from exc
