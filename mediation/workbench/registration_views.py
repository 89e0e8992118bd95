"""Registering a dispute with its parties, a row of the parties' form at a time."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from config.formtokens import one_submission
from mediation.cases import selectors, services
from mediation.cases.models import MediationBody
from mediation.kernel.exceptions import Conflict, Forbidden, ServiceError
from mediation.kernel.roles import scope_of
from mediation.workbench.common import may_register
from mediation.workbench.forms import (
    INITIAL_PARTIES,
    MAX_PARTIES,
    PARTY_PREFIX,
    DisputeRegistrationForm,
    PartyFormSet,
)

# --- registration --------------------------------------------------------------------------------


def _registration_body(user: Any) -> MediationBody:
    """The body a clerk or director registers for; 403 for other staff, 404 for the rest."""
    scope = scope_of(user)
    if may_register(scope):
        return selectors.body_get(scope.body_id)
    if scope.is_body_staff or scope.is_superuser:
        raise Forbidden(_("Only the clerks and directors of a mediation body register disputes."))
    raise Http404(_("The workbench is for the staff of a mediation body."))


def _place_party_error(message: str, formset: Any, kept: list[int], inputs: list[Any]) -> bool:
    """Put a service error about one party (“Party 2 (name), field: message”) on its row."""
    for position, index in enumerate(kept):
        label = _("Party %(number)d (%(name)s)") % {
            "number": position + 1,
            "name": inputs[position].name,
        }
        if not message.startswith(label):
            continue
        form = formset.forms[index]
        rest = message[len(label) :]
        if rest.startswith(", "):
            name, sep, text = rest[2:].partition(": ")
            if sep and name in form.fields:
                form.add_error(name, text)
                return True
            form.add_error(None, rest[2:])
            return True
        form.add_error(None, rest.lstrip(":").strip() or message)
        return True
    return False


def _registration_errors(
    exc: ValidationError,
    form: DisputeRegistrationForm,
    formset: Any,
    inputs: list[Any],
) -> list[str]:
    """Put the service's errors on the dispute's fields and the parties' rows; answers the
    errors about the parties as a whole."""
    party_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return party_errors
    kept = formset.kept()
    for name, messages_ in exc.message_dict.items():
        if name == "parties":
            party_errors += [
                m for m in messages_ if not _place_party_error(m, formset, kept, inputs)
            ]
        elif name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, messages_)
    return party_errors


def _registration_page(
    request: HttpRequest,
    form: DisputeRegistrationForm,
    formset: Any,
    *,
    show_errors: bool = True,
    party_errors: list[str] | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "parties": formset,
        "show_errors": show_errors,
        "party_errors": party_errors or [],
        "error": error,
        "next_index": formset.total_form_count(),
        "max_parties": MAX_PARTIES,
    }
    return render(request, "mediation/register.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_submission
def register(request: HttpRequest) -> HttpResponse:
    """Register a dispute with any number of parties through `services.register_dispute`."""
    body = _registration_body(request.user)
    if request.method != "POST":
        form = DisputeRegistrationForm(body=body, initial={"received_at": timezone.localdate()})
        formset = PartyFormSet(prefix=PARTY_PREFIX, initial=INITIAL_PARTIES)
        return _registration_page(request, form, formset)

    if request.POST.get("action") == "add_party":
        # Without JavaScript: the same page with one more empty row, nothing lost, no errors yet.
        data = request.POST.copy()
        key = f"{PARTY_PREFIX}-TOTAL_FORMS"
        with contextlib.suppress(ValueError):
            data[key] = str(min(int(data.get(key, "0")) + 1, MAX_PARTIES))
        form = DisputeRegistrationForm(data, body=body)
        formset = PartyFormSet(data, prefix=PARTY_PREFIX)
        return _registration_page(request, form, formset, show_errors=False)

    form = DisputeRegistrationForm(request.POST, body=body)
    formset = PartyFormSet(request.POST, prefix=PARTY_PREFIX)
    valid = form.is_valid()
    valid = formset.is_valid() and valid
    inputs = formset.party_inputs() if valid else None
    if inputs is None:
        return _registration_page(request, form, formset, status=400)
    data = form.cleaned_data
    try:
        dispute = services.register_dispute(
            actor=request.user,
            data=services.DisputeInput(
                category=data["category"],
                channel=data["channel"],
                body=body,
                title=data["title"],
                received_at=data["received_at"],
                facts=data.get("facts") or "",
                claimed_amount=data.get("claimed_amount"),
                court=data.get("court"),
                court_case_number=data.get("court_case_number") or "",
                parties=inputs,
            ),
        )
    except ValidationError as exc:
        party_errors = _registration_errors(exc, form, formset, inputs)
        return _registration_page(request, form, formset, party_errors=party_errors, status=400)
    except (Conflict, Forbidden) as exc:
        return _registration_page(request, form, formset, error=exc, status=exc.status_code)
    messages.success(
        request, _("Dispute %(reference)s has been registered.") % {"reference": dispute.reference}
    )
    return HttpResponseRedirect(reverse("workbench:case", args=[dispute.pk]), status=303)


@login_required
@require_safe
def party_row(request: HttpRequest) -> HttpResponse:
    """One more empty party row for the registration form (htmx “add a party”)."""
    _registration_body(request.user)
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Say which row to add."))
    if not 0 <= index < MAX_PARTIES:
        return HttpResponseBadRequest(_("Too many parties."))
    formset = PartyFormSet(prefix=PARTY_PREFIX)
    form = formset.form(
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        renderer=formset.renderer,
    )
    formset.add_fields(form, index)
    context = {
        "form": form,
        "number": index + 1,
        "next_index": index + 1,
        "max_parties": MAX_PARTIES,
        "total_forms_name": f"{PARTY_PREFIX}-TOTAL_FORMS",
        "show_errors": False,
        "oob": True,
    }
    return render(request, "mediation/_party_row_response.html", context)
