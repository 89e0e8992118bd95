"""Expectations of the authorization matrix shared by many endpoints, with the reason for each,
and the URL builders of the parties API."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F

from tests.authorization.harness import (
    ADMIN,
    ANALYST,
    ANON,
    CLERK,
    COLLEAGUE,
    COURT,
    DIRECTOR,
    MEDIATOR,
    PARTY,
    ROLES,
    Expect,
    Scene,
    Url,
    everyone,
)

# --- expectations shared by many endpoints -------------------------------------------------------

# Reading anything of a case (detail, log, parties, sessions, agreement, documents): whoever may
# see the case; 404 for everyone else, the analyst included (statistics only).
SEE_CASE = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (200, 404),
    PARTY: (200, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Reading a referral: the court it crosses to or from, and the body's staff (SPEC §1 court row).
# SPEC is silent on parties: they follow their case (portal, API), not the court linkage file.
SEE_REFERRAL = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (200, 404),
    PARTY: (404, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Reference data an API client needs to fill in ids (bodies, mediators, courts): SPEC is silent;
# they are public facts of the centre, so every signed-in user reads them, both sides alike.
REFERENCE = everyone((200, 200), anonymous=(401, 401))
REFERENCE_LIST = everyone(200, anonymous=401)
# A method the endpoint does not have: 405 whoever asks (after authentication), whatever object.
NOT_ALLOWED = everyone((405, 405), anonymous=(401, 401))
NOT_ALLOWED_LIST = everyone(405, anonymous=401)


def edit_case(ok: int) -> dict[str, Expect]:
    """Changing a case's facts or parties: its body's clerk and director and its own mediator
    (SPEC §1: a mediator "edits only cases assigned to them"); others who see it get 403."""
    return {
        ANON: (401, 401),
        CLERK: (ok, 404),
        MEDIATOR: (ok, 404),
        COLLEAGUE: (403, 404),
        DIRECTOR: (ok, 404),
        COURT: (403, 404),
        PARTY: (403, 404),
        ANALYST: (404, 404),
        ADMIN: (ok, ok),
    }


def only(
    ok: int, roles: Sequence[str], *, anon: int = 401, hidden: Sequence[str] = ()
) -> dict[str, Expect]:
    """An act on the own case that `roles` may do; others who may see it get 403, `hidden` roles
    (who may not see it here) and everyone on the other side 404 (the superuser aside)."""
    table: dict[str, Expect] = {ANON: (anon, anon)}
    for role in ROLES[1:]:
        if role in roles:
            own = ok
        elif role == ANALYST or role in hidden:
            own = 404
        else:
            own = 403
        other = ok if role == ADMIN and ADMIN in roles else 404
        if role == ADMIN and ADMIN not in roles:
            other = 403  # the superuser sees everything; the act is not theirs on either side
        table[role] = (own, other)
    return table


# Workbench pages (/cases/): a body's staff only; court users, parties and analysts get 404 even
# for cases they may see elsewhere (docs/decisions.md "Pages"); anonymous → login page.
WORKBENCH_CASE = {
    ANON: (302, 302),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (404, 404),
    PARTY: (404, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
OUTSIDE_WORKBENCH = (COURT, PARTY)
# Session files: whoever may see the case.
SEE_CASE_PAGE = {**SEE_CASE, ANON: (302, 302)}
# The dashboard and the rates: analysts and superusers every body, a body's staff their body;
# courts and parties 403 (the page exists, its figures are not theirs; docs/decisions.md).
FIGURES = {
    ANON: 302,
    CLERK: 200,
    MEDIATOR: 200,
    COLLEAGUE: 200,
    DIRECTOR: 200,
    COURT: 403,
    PARTY: 403,
    ANALYST: 200,
    ADMIN: 200,
}
# The party portal: parties only, everyone else 404 (as for a case they may not see).
PORTAL_CASE = everyone((404, 404), anonymous=(302, 302), party=(200, 404))


# A party's personal data on request: a director of a body the party has a case with,
# and the superuser; who sees the party in a case but may not ask gets 403, anyone else 404.
PERSONAL_DATA = {
    ANON: (401, 401),
    CLERK: (403, 404),
    MEDIATOR: (403, 404),
    COLLEAGUE: (403, 404),
    DIRECTOR: (200, 404),
    COURT: (403, 404),
    PARTY: (403, 404),  # another party of their case: they see it, it is not theirs to ask for
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# Erasure while the case is open: refused with the reason (409) for whoever may ask.
ERASE_PERSONAL_DATA = {**PERSONAL_DATA, DIRECTOR: (409, 404), ADMIN: (409, 409)}


# A body's record of a party is its body's own: only its staff act on it; who sees the party in
# a case may not (403), and nobody outside sees it (404), another body's director included.
PARTY_RECORD = {
    ANON: (401, 401),
    CLERK: (200, 404),
    MEDIATOR: (200, 404),
    COLLEAGUE: (200, 404),
    DIRECTOR: (200, 404),
    COURT: (403, 404),
    PARTY: (403, 404),
    ANALYST: (404, 404),
    ADMIN: (200, 200),
}
# A new phone on the record the party's portal account acts for, on a director's decision: the
# other staff of the body see the record but need the party's code (403); the other side's party
# has no account, so its new phone takes effect at once.
PHONE_BY_DECISION = {
    **PARTY_RECORD,
    CLERK: (403, 404),
    MEDIATOR: (403, 404),
    COLLEAGUE: (403, 404),
}
# A code to the party's own number, to confirm a new phone: none for a party without an account.
PHONE_CODE = {**PARTY_RECORD, ADMIN: (200, 409)}
# A portal account opened for a party who has none yet, on the record's phone and ID number.
OPEN_ACCOUNT = {
    **PARTY_RECORD,
    CLERK: (201, 404),
    MEDIATOR: (201, 404),
    COLLEAGUE: (201, 404),
    DIRECTOR: (201, 404),
    ADMIN: (201, 201),
}


def portal_party_api(tail: str) -> Url:
    """The world's party, whose portal account acts for its record (own side); on the other
    side, a party of the other case, who has no account."""

    def url(s: Scene, side: str) -> str:
        roles = s.case(side).case_parties.order_by(F("party__user_id").desc(nulls_last=True), "id")
        return f"/api/v1/parties/{roles.first().party_id}/{tail}"

    return url


def record_api(tail: str) -> Url:
    """A party of the case with a mobile number and no portal account."""

    def url(s: Scene, side: str) -> str:
        roles = (
            s.case(side)
            .case_parties.filter(party__user__isnull=True)
            .exclude(party__phone="")
            .exclude(party__id_number_hash="")
            .order_by("id")
        )
        return f"/api/v1/parties/{roles.first().party_id}/{tail}"

    return url


def party_api(tail: str) -> Url:
    """A party of the case who has no portal account (not the signed-in party themself)."""

    def url(s: Scene, side: str) -> str:
        roles = s.case(side).case_parties.filter(party__user__isnull=True).order_by("id")
        return f"/api/v1/parties/{roles.first().party_id}/personal-data/{tail}"

    return url
