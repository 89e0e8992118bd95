"""Codes of the glossary (SPEC §2) and the case states (SPEC §3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    TRAFFIC = "traffic", _("Road traffic accident")
    FINANCIAL = "financial", _("Financial")
    MEDICAL = "medical", _("Medical")
    # In context: the organisation type "School" is 学校, the category 校园纠纷 (SPEC §2).
    SCHOOL = "school", pgettext_lazy("dispute category", "School")
    FAMILY = "family", _("Marriage and family")


class Track(models.TextChoices):
    PEOPLE = "people", _("People's mediation")
    ADMINISTRATIVE = "administrative", _("Administrative mediation")
    JUDICIAL = "judicial", _("Judicial mediation")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline / 12348")
    ONLINE = "online", _("Online application")
    GRID = "grid", _("Grid worker report")
    POLICE = "police", _("Police / traffic police transfer")
    INSTITUTION = "institution", _("Institution application")
    PETITION = "petition", _("Petition office transfer")
    COURT_DELEGATED = "court_delegated", _("Court pre-litigation delegation")
    COURT_ENTRUSTED = "court_entrusted", _("Court in-litigation entrustment")


COURT_CHANNELS = frozenset({Channel.COURT_DELEGATED, Channel.COURT_ENTRUSTED})


class FamilyMatter(models.TextChoices):
    """What a marriage and family case is about. Status matters (婚姻、收养、亲子关系) are for the
    courts alone and cannot be judicially confirmed (the SPC's 2011 rules on confirmation)."""

    MARRIAGE_STATUS = "marriage_status", _("Status of a marriage (divorce, validity)")
    ADOPTION_STATUS = "adoption_status", _("Status of an adoption")
    PARENTAGE_STATUS = "parentage_status", _("Parentage")
    PROPERTY = "property", _("Family property")
    SUPPORT = "support", _("Support and maintenance")
    INHERITANCE = "inheritance", _("Inheritance")
    CUSTODY = "custody", _("Custody and visiting")
    OTHER = "other", _("Other family matter")


FAMILY_STATUS_MATTERS = frozenset(
    {FamilyMatter.MARRIAGE_STATUS, FamilyMatter.ADOPTION_STATUS, FamilyMatter.PARENTAGE_STATUS}
)


class BodyKind(models.TextChoices):
    PEOPLES_COMMITTEE = "peoples_committee", _("People's mediation committee")
    ADMINISTRATIVE = "administrative", _("Administrative body")
    COURT = "court", _("Court")
    COURT_INVITED = "court_invited", _("Court-invited organization")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    MEDIATING = "mediating", _("Mediating")
    AGREED = "agreed", _("Agreed, awaiting signatures")
    SIGNED = "signed", _("Agreement in effect")
    CONFIRMING = "confirming", _("Judicial confirmation pending")
    CONFIRMED = "confirmed", _("Judicially confirmed")
    FAILED = "failed", _("Mediation failed")
    REFERRED = "referred", _("Referred to court")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (
    State.REGISTERED,
    State.ACCEPTED,
    State.ASSIGNED,
    State.MEDIATING,
    State.AGREED,
)
SUCCESS_STATES = (State.SIGNED, State.CONFIRMING, State.CONFIRMED)
FAILURE_STATES = (State.FAILED, State.REFERRED)


class Outcome(models.TextChoices):
    """How a dispute ended; kept when it is later closed (SPEC §3, §6)."""

    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")


class DeclineGround(models.TextChoices):
    """Why a body does not take a case (不予受理): the notice states the ground and where the
    applicant can go instead."""

    RESPONDENT_REFUSES = "respondent_refuses", _("The other party refuses mediation")
    OUTSIDE_REMIT = "outside_remit", _("Outside this body's remit")
    BEFORE_AUTHORITY = (
        "before_authority",
        _("Already before a court or an administrative authority"),
    )
    NOT_CIVIL = "not_civil", _("Not a civil dispute")
    OTHER = "other", _("Other")


class CloseOutcome(models.TextChoices):
    """What became of a concluded dispute, recorded by `close`."""

    PERFORMED = "performed", _("Performed")
    PARTLY_PERFORMED = "partly_performed", _("Partly performed")
    NOT_PERFORMED = "not_performed", _("Not performed")
    COURT_FILED = "court_filed", _("Filed by the court")
    COURT_DECIDED = "court_decided", _("Decided by the court")
    # Not in SPEC §3's list: a failed case whose parties did not go to court.
    NO_FURTHER_ACTION = "no_further_action", _("No further action")


# Which close outcomes make sense after which concluded state.
CLOSE_OUTCOMES_BY_STATE: dict[str, tuple[str, ...]] = {
    State.SIGNED: (
        CloseOutcome.PERFORMED,
        CloseOutcome.PARTLY_PERFORMED,
        CloseOutcome.NOT_PERFORMED,
        CloseOutcome.COURT_FILED,
    ),
    State.CONFIRMED: (
        CloseOutcome.PERFORMED,
        CloseOutcome.PARTLY_PERFORMED,
        CloseOutcome.NOT_PERFORMED,
        CloseOutcome.COURT_FILED,
    ),
    State.FAILED: (
        CloseOutcome.COURT_FILED,
        CloseOutcome.COURT_DECIDED,
        CloseOutcome.NO_FURTHER_ACTION,
    ),
    State.REFERRED: (CloseOutcome.COURT_FILED, CloseOutcome.COURT_DECIDED),
}


class DeadlineStatus(models.TextChoices):
    """What `check_deadlines` last marked on an open case (SPEC §4)."""

    NONE = "", _("Within time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class SessionKind(models.TextChoices):
    # A caucus (背对背) is the mediator with one side alone: what is said there (how far a side
    # would go) is confidential to it and the mediation's staff (SPEC §11).
    JOINT = "joint", _("Joint session (all sides)")
    CAUCUS = "caucus", _("Caucus (one side only)")


# --- parties' roles in a case -------------------------------------------------------------------


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")
    AGENT = "agent", _("Agent")
    GUARDIAN = "guardian", _("Guardian")


# Roles that stand for themselves; agents and guardians act for one of these.
PRINCIPAL_ROLES = (PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY)
REPRESENTATIVE_ROLES = (PartyRole.AGENT, PartyRole.GUARDIAN)


# --- courts and court linkage (诉调对接) ----------------------------------------------------------


class CourtLevel(models.TextChoices):
    SUPREME = "supreme", _("Supreme People's Court")
    HIGH = "high", _("High People's Court")
    INTERMEDIATE = "intermediate", _("Intermediate People's Court")
    BASIC = "basic", _("Basic People's Court")


class ReferralKind(models.TextChoices):
    DELEGATION = "delegation", _("Pre-filing delegation")  # 诉前委派, court → body
    ENTRUSTMENT = "entrustment", _("In-litigation entrustment")  # 诉中委托, court → body
    LITIGATION = "litigation", _("Referral to litigation")  # 转诉讼, body → court
    CONFIRMATION = "confirmation", _("Judicial confirmation application")  # 司法确认, body → court


# Cases a court sends to a body; the others go from a body to a court.
INBOUND_KINDS = frozenset({ReferralKind.DELEGATION, ReferralKind.ENTRUSTMENT})
OUTBOUND_KINDS = frozenset({ReferralKind.LITIGATION, ReferralKind.CONFIRMATION})


class ReferralState(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    FILED = "filed", _("Filed")  # litigation only: the court has opened its case (立案)
    DECIDED = "decided", _("Decided")
    RETURNED = "returned", _("Returned")


OPEN_REFERRAL_STATES = (ReferralState.SENT, ReferralState.RECEIVED, ReferralState.FILED)


class ReferralDecision(models.TextChoices):
    # delegation / entrustment: what the body reports back to the court
    MEDIATED = "mediated", _("Mediated successfully")
    NOT_MEDIATED = "not_mediated", _("Mediation failed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    # litigation: how the court disposed of the case
    JUDGMENT = "judgment", _("Judgment")
    COURT_MEDIATION = "court_mediation", _("Court mediation")
    SUIT_WITHDRAWN = "suit_withdrawn", _("Suit withdrawn")
    DISMISSED = "dismissed", _("Dismissed")
    # confirmation: the court's ruling
    CONFIRMED = "confirmed", _("Agreement confirmed as valid")
    DENIED = "denied", _("Application denied")
