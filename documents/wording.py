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
    # The seal's own title, for the seal drawing: 人民调解委员会 / 行政调解专用章 / …
    seal_title: Promise

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
    seal_title=pgettext_lazy("document wording", "People's Mediation Committee"),
)
ADMINISTRATIVE = Wording(
    agreement_title=pgettext_lazy("document", "Administrative Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "administrative mediation agreement"),
    us=pgettext_lazy("document wording", "this authority"),
    body_noun=pgettext_lazy("document wording", "the mediating authority"),
    mediation=pgettext_lazy("document wording", "administrative mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the authority)"),
    seal_title=pgettext_lazy("document wording", "Seal for Administrative Mediation"),
)
COURT = Wording(
    agreement_title=pgettext_lazy("document", "Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "mediation agreement"),
    us=pgettext_lazy("document wording", "this court"),
    body_noun=pgettext_lazy("document wording", "the people's court"),
    mediation=pgettext_lazy("document wording", "mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the court)"),
    seal_title=pgettext_lazy("document wording", "People's Court"),
)
COURT_INVITED = Wording(
    agreement_title=pgettext_lazy("document", "Mediation Agreement"),
    agreement_name=pgettext_lazy("document wording", "mediation agreement"),
    us=pgettext_lazy("document wording", "this organisation"),
    body_noun=pgettext_lazy("document wording", "the mediation organisation"),
    mediation=pgettext_lazy("document wording", "mediation"),
    seal_label=pgettext_lazy("document wording", "(Seal of the mediation organisation)"),
    seal_title=pgettext_lazy("document wording", "Mediation Organisation"),
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


def title_for(kind: str, body_kind: str) -> Promise | None:
    """A document's title where it depends on the body (the agreement); None keeps the kind's."""
    if kind == "agreement":
        return wording_for(body_kind).agreement_title
    return None
