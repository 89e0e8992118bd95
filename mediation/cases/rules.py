"""Guards (conditions) and permissions of the dispute state machine, SPEC §3.

Guards look only at the dispute as stored; data that comes with a request (a reason, a mediator,
a court) is checked by the service before the transition runs. Each guard carries a message so a
refusal can say what is missing. Permissions take (dispute, user) as django-fsm expects.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediation.kernel.choices import COURT_CHANNELS, PRINCIPAL_ROLES, PartyRole
from mediation.kernel.roles import scope_of

if TYPE_CHECKING:
    from mediation.cases.models import Dispute

Guard = Callable[["Dispute"], bool]


def guard(message: Any) -> Callable[[Guard], Guard]:
    """Attach the message shown when the guard fails."""

    def wrap(func: Guard) -> Guard:
        func.message = message  # type: ignore[attr-defined]
        return func

    return wrap


def guard_message(func: Guard) -> str:
    return str(getattr(func, "message", func.__name__))


# --- guards --------------------------------------------------------------------------------------


@guard(_("The case needs at least one applicant and one respondent."))
def has_applicant_and_respondent(dispute: Dispute) -> bool:
    roles = set(dispute.case_parties.values_list("role", flat=True))
    return PartyRole.APPLICANT in roles and PartyRole.RESPONDENT in roles


@guard(_("The case has no category."))
def has_category(dispute: Dispute) -> bool:
    return bool(dispute.category)


@guard(_("A court-delegated or court-entrusted case needs the court and its case number."))
def has_court_reference_if_court_case(dispute: Dispute) -> bool:
    if dispute.channel not in COURT_CHANNELS:
        return True
    return bool(dispute.court_id and dispute.court_case_number)


@guard(_("No mediation session has been scheduled or held."))
def has_session(dispute: Dispute) -> bool:
    from mediation.kernel.choices import SessionStatus

    return dispute.sessions.exclude(status=SessionStatus.CANCELLED).exists()


def agreement_of(dispute: Dispute) -> Any:
    """The case's agreement (`documents.Agreement`), read afresh through its relation, or None."""
    model = dispute._meta.get_field("agreement").related_model
    return model.objects.filter(dispute=dispute).first()


@guard(_("The agreement has no clause or obligation yet."))
def has_agreement_terms(dispute: Dispute) -> bool:
    agreement = agreement_of(dispute)
    return agreement is not None and agreement.has_terms()


@guard(_("Not every required party has signed the agreement."))
def all_signatories_signed(dispute: Dispute) -> bool:
    agreement = agreement_of(dispute)
    return agreement is not None and agreement.is_signed_by_all()


@guard(_("The 30 days for applying for judicial confirmation have passed."))
def within_confirmation_window(dispute: Dispute) -> bool:
    if dispute.signed_at is None:
        return False
    window = datetime.timedelta(days=settings.FENGQIAO_CONFIRMATION_WINDOW_DAYS)
    return timezone.localdate() <= dispute.signed_at + window


@guard(_("The court has not recorded receipt of the confirmation application."))
def court_has_received_confirmation(dispute: Dispute) -> bool:
    return dispute.referrals.filter(
        kind="confirmation", state="received", court_id=dispute.court_id
    ).exists()


# --- permissions ---------------------------------------------------------------------------------


def _is_assigned_mediator(dispute: Dispute, user: Any) -> bool:
    return scope_of(user).is_mediator(dispute.mediator_id)


def _is_director(dispute: Dispute, user: Any) -> bool:
    return scope_of(user).is_director_of(dispute.body_id)


def _is_clerk(dispute: Dispute, user: Any) -> bool:
    return scope_of(user).is_clerk_of(dispute.body_id)


def _is_court(dispute: Dispute, user: Any) -> bool:
    return scope_of(user).is_court_staff_of(dispute.court_id)


def _party_roles(dispute: Dispute, user: Any) -> set[str]:
    """Roles the user's party holds in the case, counting those they represent."""
    if not scope_of(user).is_portal_user:
        return set()
    roles: set[str] = set()
    for role, represented_role in dispute.case_parties.filter(party__user_id=user.pk).values_list(
        "role", "represents__role"
    ):
        roles.add(represented_role if represented_role else role)
    return roles


def _is_party(dispute: Dispute, user: Any) -> bool:
    return bool(_party_roles(dispute, user) & set(PRINCIPAL_ROLES))


def _is_applicant(dispute: Dispute, user: Any) -> bool:
    return PartyRole.APPLICANT in _party_roles(dispute, user)


def any_of(*checks: Callable[[Dispute, Any], bool]) -> Callable[[Dispute, Any], bool]:
    """Permission for the superuser and for anyone passing one of the checks."""

    def permission(dispute: Dispute, user: Any) -> bool:
        if scope_of(user).is_superuser:
            return True
        return any(check(dispute, user) for check in checks)

    return permission


def system_only(dispute: Dispute, user: Any) -> bool:
    """For transitions the system fires itself (e.g. `sign` on the last signature)."""
    return False


can_accept = any_of(_is_clerk, _is_director)
can_decline = any_of(_is_director)
can_assign = any_of(_is_director)
can_mediate = any_of(_is_assigned_mediator)
can_fail = any_of(_is_assigned_mediator, _is_director)
can_refer = any_of(_is_assigned_mediator, _is_director)
can_withdraw = any_of(_is_clerk, _is_assigned_mediator, _is_applicant)
can_apply_confirmation = any_of(_is_assigned_mediator, _is_party)
can_decide_confirmation = any_of(_is_court)
can_close = any_of(_is_assigned_mediator, _is_director, _is_court)
