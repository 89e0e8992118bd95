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

from mediation.kernel.choices import (
    COURT_CHANNELS,
    FAMILY_STATUS_MATTERS,
    Category,
    Channel,
    PartyRole,
    Track,
)
from mediation.kernel.roles import scope_of

if TYPE_CHECKING:
    from mediation.cases.models import Dispute

Guard = Callable[["Dispute"], bool]

# Who applies for judicial confirmation jointly (People's Mediation Law art. 33); third parties
# are bound by the agreement but need not join the application.
CONFIRMATION_ROLES = (PartyRole.APPLICANT, PartyRole.RESPONDENT)


def guard(message: Any) -> Callable[[Guard], Guard]:
    """Attach the message shown when the guard fails."""

    def wrap(func: Guard) -> Guard:
        func.message = message  # type: ignore[attr-defined]
        return func

    return wrap


def guard_message(func: Guard, subject: Any = None) -> str:
    """The guard's message; a guard with `explain` says more about `subject` (who is missing)."""
    explain = getattr(func, "explain", None)
    if explain is not None and subject is not None:
        return str(explain(subject))
    return str(getattr(func, "message", func.__name__))


# --- guards --------------------------------------------------------------------------------------


@guard(_("The case needs at least one applicant and one respondent."))
def has_applicant_and_respondent(dispute: Dispute) -> bool:
    roles = set(dispute.case_parties.values_list("role", flat=True))
    return PartyRole.APPLICANT in roles and PartyRole.RESPONDENT in roles


@guard(
    _(
        "A respondent has refused mediation (People's Mediation Law art. 17): decline the case "
        "on that ground."
    )
)
def no_respondent_refuses(dispute: Dispute) -> bool:
    """The latest answer of each respondent counts; no answer recorded is no refusal."""
    for respondent in dispute.case_parties.filter(role=PartyRole.RESPONDENT).prefetch_related(
        "mediation_consents"
    ):
        answers = list(respondent.mediation_consents.all())
        if answers and answers[-1].answer == "refuses":
            return False
    return True


@guard(_("Only people's mediation records an oral agreement (People's Mediation Law art. 28)."))
def is_peoples_track(dispute: Dispute) -> bool:
    return dispute.track == Track.PEOPLE


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


@guard(_("An oral agreement is not put to a court for confirmation: only a written one is."))
def not_an_oral_agreement(dispute: Dispute) -> bool:
    # A written agreement signed here or on paper (imported) may be; the record of an oral one
    # (People's Mediation Law art. 28) is not an agreement the court can confirm.
    return not dispute.log_entries.filter(transition="record_oral_agreement").exists()


@guard(_("Not every required party has signed the agreement."))
def all_signatories_signed(dispute: Dispute) -> bool:
    agreement = agreement_of(dispute)
    return agreement is not None and agreement.is_signed_by_all()


@guard(_("The mediator has not signed the agreement."))
def mediator_signed(dispute: Dispute) -> bool:
    """The assigned mediator's own signature is on the version the parties signed: it is what
    makes the agreement take effect (People's Mediation Law art. 29)."""
    agreement = agreement_of(dispute)
    return (
        agreement is not None
        and agreement.mediator_signatures.filter(
            version__number=agreement.version, mediator_id=dispute.mediator_id
        ).exists()
    )


@guard(_("The 30 days for applying for judicial confirmation have passed."))
def within_confirmation_window(dispute: Dispute) -> bool:
    if dispute.signed_at is None:
        return False
    window = datetime.timedelta(days=settings.FENGQIAO_CONFIRMATION_WINDOW_DAYS)
    return timezone.localdate() <= dispute.signed_at + window


@guard(
    _(
        "A case entrusted by a court during litigation is not confirmed: its agreement goes back "
        "to the trial court, which issues its mediation statement or lets the suit be withdrawn."
    )
)
def not_entrusted_for_confirmation(dispute: Dispute) -> bool:
    return dispute.channel != Channel.COURT_ENTRUSTED


@guard(
    _(
        "A case entrusted by a court during litigation is not referred to litigation: the suit is "
        "already before the trial court, to which the failed mediation has been reported."
    )
)
def not_entrusted_for_referral(dispute: Dispute) -> bool:
    return dispute.channel != Channel.COURT_ENTRUSTED


@guard(
    _(
        "Matters of marriage, adoption or parentage status cannot be judicially confirmed; "
        "a family case needs its matter recorded (property, support, inheritance, custody…)."
    )
)
def not_family_status(dispute: Dispute) -> bool:
    if dispute.category != Category.FAMILY:
        return True
    return bool(dispute.family_matter) and dispute.family_matter not in FAMILY_STATUS_MATTERS


def _family_status_explained(dispute: Dispute) -> str:
    if dispute.family_matter in FAMILY_STATUS_MATTERS:
        return _(
            "“%(matter)s” is a matter of personal status: marriage, adoption and parentage "
            "cannot be judicially confirmed; the parties go to court for it."
        ) % {"matter": dispute.get_family_matter_display()}
    return guard_message(not_family_status)


not_family_status.explain = _family_status_explained  # type: ignore[attr-defined]


def parties_yet_to_consent(dispute: Dispute) -> list[str]:
    """Names of the applicants and respondents who have not consented to applying for judicial
    confirmation, in person, online or through an agent with a special power of attorney."""
    consented = set(
        dispute.confirmation_consents.filter(voided_at__isnull=True).values_list(
            "party_id", flat=True
        )
    )
    return [
        name
        for pk, name in dispute.case_parties.filter(role__in=CONFIRMATION_ROLES)
        .order_by("id")
        .values_list("pk", "party__name")
        if pk not in consented
    ]


@guard(_("Every applicant and respondent must consent to the joint application."))
def all_principals_consented(dispute: Dispute) -> bool:
    return not parties_yet_to_consent(dispute)


def _consent_explained(dispute: Dispute) -> str:
    return _(
        "Every applicant and respondent must consent to the joint application; not yet: %(names)s."
    ) % {"names": "、".join(parties_yet_to_consent(dispute))}


all_principals_consented.explain = _consent_explained  # type: ignore[attr-defined]


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
    """For transitions the system fires itself, never a user."""
    return False


can_accept = any_of(_is_clerk, _is_director)
can_decline = any_of(_is_director)
can_assign = any_of(_is_director)
can_mediate = any_of(_is_assigned_mediator)
can_fail = any_of(_is_assigned_mediator, _is_director)
can_refer = any_of(_is_assigned_mediator, _is_director)
can_withdraw = any_of(_is_clerk, _is_assigned_mediator, _is_applicant)
# The mediator files what the parties applied for jointly (their consents are the guard).
can_apply_confirmation = any_of(_is_assigned_mediator)
can_decide_confirmation = any_of(_is_court)
can_close = any_of(_is_assigned_mediator, _is_director, _is_court)
