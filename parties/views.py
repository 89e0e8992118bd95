"""The party portal: sign in with a phone number and a code, follow one's cases, sign
the agreement online and download the case's documents.

Only users with a portal account use it; everyone else gets 404, as for a case they may not see.
A party sees only the cases of the records their account acts for (as applicant, respondent,
third party, agent or guardian), in whichever body. Service errors answer as the API does (400,
403, 409), as the page again with the error shown; NotFound is the site's 404
(`mediation.kernel.pages`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.formtokens import one_submission
from config.observability import client_address
from config.ratelimits import limit_one_time_codes
from courts import consents
from courts.models import ConsentMethod
from documents import generation, papers, services
from documents import selectors as document_selectors
from documents.models import DocumentLanguage
from documents.signatories import signing_status
from mediation.cases import selectors as case_selectors
from mediation.cases.models import Dispute
from mediation.kernel.choices import Outcome, State
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound, ServiceError
from mediation.kernel.roles import scope_of
from parties import accounts, otp, selectors
from parties.forms import CodeForm, PhoneForm, SigningCodeRequestForm, SigningForm
from parties.models import PartyKind
from parties.next_steps import next_steps
from parties.personal_data import export_own_personal_data
from parties.validators import mask_phone

SESSION_PHONE = "portal_login_phone"
PORTAL_LOGIN = "portal:login"

# --- the progress bar ----------------------------------------------------------------------------

# The stages a party follows, in plain words; each covers one or more states of the case.
FLOW: list[tuple[str, Any, tuple[str, ...]]] = [
    ("registered", pgettext_lazy("portal progress", "Registered"), (State.REGISTERED,)),
    ("accepted", pgettext_lazy("portal progress", "Accepted"), (State.ACCEPTED,)),
    (
        "mediating",
        pgettext_lazy("portal progress", "Mediation"),
        (State.ASSIGNED, State.MEDIATING),
    ),
    ("agreed", pgettext_lazy("portal progress", "Agreement reached"), (State.AGREED,)),
    ("signed", pgettext_lazy("portal progress", "Signed, in effect"), (State.SIGNED,)),
    (
        "confirmation",
        pgettext_lazy("portal progress", "Judicial confirmation"),
        (State.CONFIRMING, State.CONFIRMED),
    ),
    ("closed", pgettext_lazy("portal progress", "Closed"), (State.CLOSED,)),
]
# Where a case can stop before an agreement, in words a party understands.
END_STATES = {
    State.FAILED: pgettext_lazy("portal progress", "Mediation did not succeed"),
    State.REFERRED: pgettext_lazy("portal progress", "Mediation did not succeed; sent to court"),
    State.DECLINED: pgettext_lazy("portal progress", "Not taken on for mediation"),
    State.WITHDRAWN: pgettext_lazy("portal progress", "Application withdrawn"),
}
OUTCOME_END = {
    Outcome.FAILURE: State.FAILED,
    Outcome.DECLINED: State.DECLINED,
    Outcome.WITHDRAWN: State.WITHDRAWN,
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    status: str  # "done", "current", "todo" or "ended" (where the case stopped)

    @property
    def current(self) -> bool:
        return self.status in ("current", "ended")


def progress(dispute: Dispute) -> list[Step]:
    """The stages of the case, each done, current or still to come; a case that stopped short
    shows the stages it reached and then, in words, why it stopped."""
    reached = case_selectors.states_reached(dispute) | {dispute.state}
    # Cases made without a log (imports, tests) still show what their dates say.
    if dispute.accepted_at is not None:
        reached.add(State.ACCEPTED)
    if dispute.mediator_id is not None:
        reached.add(State.ASSIGNED)
    if dispute.signed_at is not None:
        reached.add(State.SIGNED)
    reached.add(State.REGISTERED)
    confirmation = bool(reached & {State.CONFIRMING, State.CONFIRMED})
    flow = [s for s in FLOW if s[0] != "confirmation" or confirmation]

    end = dispute.state if dispute.state in END_STATES else None
    if dispute.state == State.CLOSED and dispute.outcome in OUTCOME_END:
        end = next((s for s in END_STATES if s in reached), OUTCOME_END[dispute.outcome])
    if end is not None:
        if end in (State.FAILED, State.REFERRED):
            reached.add(State.MEDIATING)
        steps = [
            Step(key, str(label), "done")
            for key, label, states in flow[:-1]
            if reached & set(states)
        ]
        closed = dispute.state == State.CLOSED
        steps.append(Step(str(end), str(END_STATES[end]), "done" if closed else "ended"))
        if closed:
            key, label, _states = flow[-1]
            steps.append(Step(key, str(label), "current"))
        return steps

    position = next(
        (i for i, (_key, _label, states) in enumerate(flow) if dispute.state in states), 0
    )
    return [
        Step(key, str(label), "done" if i < position else "current" if i == position else "todo")
        for i, (key, label, _states) in enumerate(flow)
    ]


# --- who may use the portal ----------------------------------------------------------------------


def portal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the portal's sign-in) and a party (else 404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).is_portal_user:
            raise Http404(_("The portal is for the parties to a case."))
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=PORTAL_LOGIN)


def _my_roles(dispute: Dispute, user: Any) -> list[str]:
    mine = [cp for cp in dispute.case_parties.all() if cp.party.user_id == user.pk]
    return [str(cp.get_role_display()) for cp in mine]


# --- signing in ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@limit_one_time_codes
def login_phone(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number. Every valid number gets the same answer."""
    if request.user.is_authenticated and scope_of(request.user).is_portal_user:
        return HttpResponseRedirect(reverse("portal:cases"))
    form = PhoneForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "parties/login.html", {"form": form}, status=400)
        otp.request_login_code(form.cleaned_data["phone"])
        request.session[SESSION_PHONE] = form.cleaned_data["phone"]
        return HttpResponseRedirect(reverse("portal:login-code"))
    return render(request, "parties/login.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@limit_one_time_codes
def login_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code sent by SMS; a right code signs the portal account in."""
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return HttpResponseRedirect(reverse(PORTAL_LOGIN))
    form = CodeForm(request.POST or None)
    context = {"form": form, "masked_phone": mask_phone(phone)}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "parties/login_code.html", context, status=400)
        try:
            user = otp.check_login_code(phone, form.cleaned_data["code"])
        except otp.CodeRefused as exc:
            form.add_error("code", exc.message)
            return render(request, "parties/login_code.html", context, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        accounts.signed_in(user)
        return HttpResponseRedirect(reverse("portal:cases"))
    return render(request, "parties/login_code.html", context)


# --- my cases ------------------------------------------------------------------------------------


@require_safe
@portal_required
def cases(request: HttpRequest) -> HttpResponse:
    rows = [
        {"dispute": d, "roles": _my_roles(d, request.user), "steps": progress(d)}
        for d in selectors.portal_disputes(request.user)
    ]
    return render(request, "parties/cases.html", {"rows": rows})


def _case_response(
    request: HttpRequest,
    dispute: Dispute,
    *,
    error: str = "",
    failed: SigningForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user_id = request.user.pk
    agreement = document_selectors.agreement_with_terms(dispute, saved_only=True)
    statuses = signing_status(dispute) if agreement is not None else []
    to_sign = []
    if dispute.state == State.AGREED and agreement is not None:
        for item in statuses:
            if item.signature is None and any(cp.party.user_id == user_id for cp in item.signers):
                is_failed = failed is not None and failed.data.get("signatory") == str(
                    item.party.pk
                )
                signer = next(
                    cp for cp in [item.party, *item.signers] if cp.party.user_id == user_id
                )
                to_sign.append(
                    {
                        "status": item,
                        "yourself": item.party.party.user_id == user_id,
                        # An organisation names who signs for it (and its seal).
                        "organization": signer.party.kind == PartyKind.ORGANIZATION,
                        "form": failed
                        if is_failed
                        else SigningForm(
                            initial={"signatory": item.party.pk, "version": agreement.version},
                            auto_id=f"id_sign_{item.party.pk}_%s",
                        ),
                    }
                )
    documents = [
        {"kind": kind, "label": generation.paper_label(kind, dispute.body.kind)}
        for kind in generation.kinds_for(request.user, dispute)
    ]
    sessions = case_selectors.upcoming_sessions(dispute, timezone.now())
    context = {
        "to_consent": _to_consent(dispute, user_id),
        "dispute": dispute,
        "roles": _my_roles(dispute, request.user),
        "steps": progress(dispute),
        "sessions": sessions,
        "agreement": agreement,
        "statuses": statuses,
        "to_sign": to_sign,
        "next": next_steps(dispute, user_id, agreement, to_sign=bool(to_sign)),
        "documents": documents,
        "error": error,
        "ttl_minutes": max(settings.FENGQIAO_OTP_TTL_SECONDS // 60, 1),
    }
    return render(request, "parties/case.html", context, status=status)


def _to_consent(dispute: Dispute, user_id: Any) -> list[dict[str, Any]]:
    """The applicants and respondents the user may consent for, online, to the joint application
    for judicial confirmation: themselves, or whom they represent with the special authority."""
    if dispute.state != State.SIGNED:
        return []
    return [
        {"party": row.party, "yourself": row.party.party.user_id == user_id}
        for row in consents.consent_rows(dispute)
        if row.consent is None and any(cp.party.user_id == user_id for cp in row.may_give)
    ]


@require_POST
@portal_required
@limit_one_time_codes
@one_submission
def consent_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a one-time code to consent to applying for judicial confirmation (courts.consents)."""
    dispute = selectors.portal_dispute_get(request.user, pk)
    try:
        sent_to = consents.request_consent_code(
            actor=request.user, dispute_id=dispute.pk, party=request.POST.get("party")
        )
    except ValidationError as exc:
        return _case_response(request, dispute, error=_messages_of(exc), status=400)
    except (Conflict, Forbidden) as exc:
        fresh = selectors.portal_dispute_get(request.user, pk)
        return _case_response(request, fresh, error=exc.message, status=exc.status_code)
    messages.success(
        request, _("A code has been sent to %(phone)s. Enter it below.") % {"phone": sent_to}
    )
    return HttpResponseRedirect(reverse("portal:case", args=[dispute.pk]) + "#confirmation")


@require_POST
@portal_required
@limit_one_time_codes
@one_submission
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Consent online, with the code, to the joint application for judicial confirmation."""
    dispute = selectors.portal_dispute_get(request.user, pk)
    try:
        consents.record_confirmation_consent(
            actor=request.user,
            dispute_id=dispute.pk,
            party=request.POST.get("party"),
            method=ConsentMethod.ONLINE,
            code=request.POST.get("code", ""),
        )
    except ValidationError as exc:
        return _case_response(request, dispute, error=_messages_of(exc), status=400)
    except (Conflict, Forbidden) as exc:
        fresh = selectors.portal_dispute_get(request.user, pk)
        return _case_response(request, fresh, error=exc.message, status=exc.status_code)
    messages.success(
        request, _("Your consent to apply for judicial confirmation has been recorded.")
    )
    return HttpResponseRedirect(reverse("portal:case", args=[dispute.pk]))


@require_safe
@portal_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_response(request, selectors.portal_dispute_get(request.user, pk))


ONLINE_SIGNING_FIELDS = ("code", "signer_name", "representative_role")


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@require_POST
@portal_required
@limit_one_time_codes
@one_submission
def signing_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the signer a one-time code for the agreement (documents.services)."""
    dispute = selectors.portal_dispute_get(request.user, pk)
    form = SigningCodeRequestForm(request.POST)
    if not form.is_valid():
        return _case_response(request, dispute, error=_("Choose whom you sign for."), status=400)
    try:
        sent_to = services.request_signing_code(
            actor=request.user, dispute_id=dispute.pk, signatory=form.cleaned_data["signatory"]
        )
    except ValidationError as exc:
        return _case_response(request, dispute, error=_messages_of(exc), status=400)
    except (Conflict, Forbidden) as exc:
        fresh = selectors.portal_dispute_get(request.user, pk)
        return _case_response(request, fresh, error=exc.message, status=exc.status_code)
    messages.success(
        request, _("A code has been sent to %(phone)s. Enter it below.") % {"phone": sent_to}
    )
    return HttpResponseRedirect(reverse("portal:case", args=[dispute.pk]) + "#signing")


@require_POST
@portal_required
@limit_one_time_codes
@one_submission
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign online with the code (documents.services.record_signature)."""
    dispute = selectors.portal_dispute_get(request.user, pk)
    form = SigningForm(request.POST, auto_id=f"id_sign_{request.POST.get('signatory', '')}_%s")
    if not form.is_valid():
        return _case_response(request, dispute, failed=form, status=400)
    data = services.SignatureInput(
        signatory=form.cleaned_data["signatory"],
        method="online",
        code=form.cleaned_data["code"],
        version=form.cleaned_data["version"],
        signer_name=form.cleaned_data.get("signer_name") or "",
        representative_role=form.cleaned_data.get("representative_role") or "",
        seal_affixed=bool(form.cleaned_data.get("seal_affixed")),
    )
    try:
        result = services.record_signature(
            actor=request.user,
            dispute_id=dispute.pk,
            data=data,
            ip=client_address(request) or None,
        )
    except ValidationError as exc:
        # The code and an organisation's representative are the form's own fields: their
        # errors stand next to them, with what was typed.
        if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(ONLINE_SIGNING_FIELDS):
            for field, errors in exc.error_dict.items():
                form.add_error(field, errors)
            return _case_response(request, dispute, failed=form, status=400)
        return _case_response(request, dispute, error=_messages_of(exc), status=400)
    except (Conflict, Forbidden) as exc:
        fresh = selectors.portal_dispute_get(request.user, pk)
        return _case_response(request, fresh, error=exc.message, status=exc.status_code)
    if result.completed:
        messages.success(
            request, _("You have signed. Everyone has signed: the agreement is now in effect.")
        )
    else:
        messages.success(request, _("You have signed the agreement."))
    return HttpResponseRedirect(reverse("portal:case", args=[dispute.pk]))


@require_safe
@portal_required
def document_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A document of one's own case, generated and signed the first time it is asked for."""
    dispute = selectors.portal_dispute_get(request.user, pk)
    lang = request.GET.get("lang") or DocumentLanguage.ZH_HANS
    if not generation.may_read_kind(request.user, dispute, kind):
        raise NotFound(_("This case has no such document yet."))
    document = papers.paper(dispute.pk, kind, lang)
    try:
        data = generation.pdf_of(document)
    except ServiceError as exc:
        return _case_response(request, dispute, error=exc.message, status=exc.status_code)
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"{dispute.reference}-{kind}-{document.lang}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@portal_required
def my_data(request: HttpRequest) -> HttpResponse:
    """The party's own personal data as a JSON download (recorded as an export request)."""
    data = export_own_personal_data(
        actor=request.user, reason=_("Downloaded by the party from the portal.")
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-personal-data.json"'
    return response
