"""What every page's navigation needs to know about the signed-in user: which areas they use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mediation.kernel.presentation import display_name
from mediation.kernel.roles import Role, scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    scope = scope_of(user)
    return {
        # Who is signed in, as people know them (never the login name).
        "user_display_name": display_name(user),
        "nav": {
            "workbench": scope.is_body_staff or scope.is_superuser,
            "director": scope.has(Role.DIRECTOR) and scope.body_id is not None,
            "court": (scope.has(Role.COURT) and scope.court_id is not None)
            or scope.is_body_staff
            or scope.is_superuser,
            "portal": scope.is_portal_user,
            # Figures: analysts, directors and superusers; other staff of a body may
            # open it too (same rule as the rates API) but it is not in their way.
            "dashboard": scope.is_superuser
            or scope.has(Role.ANALYST)
            or (scope.has(Role.DIRECTOR) and scope.body_id is not None),
        },
    }
