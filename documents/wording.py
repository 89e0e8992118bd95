"""The vocabulary of the papers by the kind of body that mediates (SPEC §5).

A people's mediation committee writes 人民调解协议书 and 本委员会 under the committee's seal; an
administrative body (a traffic police brigade, a health commission) writes 行政调解协议书 and
本机关; a court writes 调解协议 and 本院, a court-invited organisation 调解协议 and 本组织. Every
document template takes its words from here, through the `wording` key of its context, so that a
new kind of body is one entry in this file and never an edit of each template.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from mediation.kernel.choices import BodyKind


@dataclass(frozen=True)
class Wording:
    # The agreement's title: 人民调解协议书 / 行政调解协议书 / 调解协议.
    agreement_title: Promise
    # The agreement named inside a sentence: 人民调解协议 / 行政调解协议 / 调解协议.
    agreement_name: Promise
    # How the body speaks of itself: 本委员会 / 本机关 / 本院 / 本组织.
    us: Promise
    # The body named as the one that seals and keeps a copy: 人民调解委员会 / 调解机关 / …
    body_noun: Promise
    # The kind of mediation: 人民调解 / 行政调解 / 调解.
    mediation: Promise
    # Printed under the seal slot: 人民调解委员会（印） / 调解机关（印） / …
    seal_label: Promise
    # The seal's own title, below the star of the seal drawing: 行政调解专用章; empty where the
    # seal carries only the body's name.
    seal_title: Promise | str
    # The other papers' titles, where 司法部's and the courts' forms name them by the kind of
    # mediation: 人民调解受理通知书 / 行政调解受理通知书 / 受理通知书, and so on.
    acceptance_notice_title: Promise
    refusal_notice_title: Promise
    termination_title: Promise
    oral_agreement_title: Promise

    def as_context(self) -> dict[str, str]:
        """Plain strings in the active language, for a template's context."""
        return {name: str(getattr(self, name)) for name in self.__dataclass_fields__}


PEOPLES = Wording(
    agreement_title=pgettext_lazy("document", "People's Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "people's mediation agreement"),
    us=pgettext_lazy("document wording", "this committee"),
    body_noun=pgettext_lazy("document wording", "the people's mediation committee"),
    mediation=pgettext_lazy("document wording", "people's mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the people's mediation committee)"),
    # A committee's seal carries its name round the star and nothing below: the name already
    # says it is a people's mediation committee.
    seal_title="",
    acceptance_notice_title=pgettext_lazy(
        "document", "Notice of Acceptance for People's Mediation"
    ),
    refusal_notice_title=pgettext_lazy(
        "document", "Notice of Refusal to Accept for People's Mediation"
    ),
    termination_title=pgettext_lazy("document", "Notice of Termination of People's Mediation"),
    oral_agreement_title=pgettext_lazy(
        "document", "Record of an Oral People's Mediation Agreement"
    ),
)
ADMINISTRATIVE = Wording(
    agreement_title=pgettext_lazy("document", "Administrative Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "administrative mediation agreement"),
    us=pgettext_lazy("document wording", "this authority"),
    body_noun=pgettext_lazy("document wording", "the mediating authority"),
    mediation=pgettext_lazy("document wording", "administrative mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the authority)"),
    seal_title=pgettext_lazy("document wording", "Seal for Administrative Mediation"),
    acceptance_notice_title=pgettext_lazy(
        "document", "Notice of Acceptance for Administrative Mediation"
    ),
    refusal_notice_title=pgettext_lazy(
        "document", "Notice of Refusal to Accept for Administrative Mediation"
    ),
    termination_title=pgettext_lazy(
        "document", "Notice of Termination of Administrative Mediation"
    ),
    oral_agreement_title=pgettext_lazy(
        "document", "Record of an Oral Administrative Mediation Agreement"
    ),
)
COURT = Wording(
    agreement_title=pgettext_lazy("document", "Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "mediation agreement"),
    us=pgettext_lazy("document wording", "this court"),
    body_noun=pgettext_lazy("document wording", "the people's court"),
    mediation=pgettext_lazy("document wording", "mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the court)"),
    seal_title="",  # a court's seal carries only its name
    acceptance_notice_title=pgettext_lazy("document", "Notice of Acceptance"),
    refusal_notice_title=pgettext_lazy("document", "Notice of Refusal to Accept"),
    termination_title=pgettext_lazy("document", "Notice of Termination of Mediation"),
    oral_agreement_title=pgettext_lazy("document", "Record of an Oral Mediation Agreement"),
)
COURT_INVITED = Wording(
    agreement_title=pgettext_lazy("document", "Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "mediation agreement"),
    us=pgettext_lazy("document wording", "this organisation"),
    body_noun=pgettext_lazy("document wording", "the mediation organisation"),
    mediation=pgettext_lazy("document wording", "mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the mediation organisation)"),
    seal_title=pgettext_lazy("document wording", "Mediation Organisation"),
    acceptance_notice_title=pgettext_lazy("document", "Notice of Acceptance"),
    refusal_notice_title=pgettext_lazy("document", "Notice of Refusal to Accept"),
    termination_title=pgettext_lazy("document", "Notice of Termination of Mediation"),
    oral_agreement_title=pgettext_lazy("document", "Record of an Oral Mediation Agreement"),
)

BY_KIND: dict[str, Wording] = {
    BodyKind.PEOPLES_COMMITTEE: PEOPLES,
    BodyKind.ADMINISTRATIVE: ADMINISTRATIVE,
    BodyKind.COURT: COURT,
    BodyKind.COURT_INVITED: COURT_INVITED,
}


def wording_for(body_kind: str) -> Wording:
    """The body kind's vocabulary; an unknown kind writes as a people's committee, the most
    common body and the one the forms of 司法部 were written for."""
    return BY_KIND.get(body_kind, PEOPLES)


# Documents whose title follows the body's kind, and the entry that names them.
TITLES = {
    "agreement": "agreement_title",
    "acceptance_notice": "acceptance_notice_title",
    "refusal_notice": "refusal_notice_title",
    "termination": "termination_title",
    "oral_agreement": "oral_agreement_title",
}

# Kinds of body whose agreements the parties may take to a court for judicial confirmation
# (Civil Procedure Law art. 205: an agreement of a mediation organisation established by law). A
# court's own mediation ends in its 调解书 or a withdrawal, never in a confirmation.
CONFIRMABLE_KINDS = frozenset(
    {BodyKind.PEOPLES_COMMITTEE, BodyKind.ADMINISTRATIVE, BodyKind.COURT_INVITED}
)


def title_for(kind: str, body_kind: str) -> Promise | None:
    """A document's title where it depends on the body; None keeps the kind's."""
    field = TITLES.get(kind)
    return getattr(wording_for(body_kind), field) if field else None
