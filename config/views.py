"""Where a user lands after signing in: the area of their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from mediation.roles import Role, scope_of


@login_required
def start(request: HttpRequest) -> HttpResponseRedirect:
    scope = scope_of(request.user)
    if scope.is_body_staff:
        return HttpResponseRedirect(reverse("workbench:queue"))
    if scope.has(Role.COURT) and scope.court_id is not None:
        return HttpResponseRedirect(reverse("courts:inbox"))
    if scope.party_id is not None:
        return HttpResponseRedirect(reverse("portal:cases"))
    if scope.has(Role.ANALYST):
        return HttpResponseRedirect(reverse("dashboard:page"))
    return HttpResponseRedirect(reverse("home"))
