"""What a case's registration and moves mean for its parties' records (`mediation.cases.events`);
connected in `PartiesConfig.ready()`, run inside the case's transaction."""

from __future__ import annotations

from typing import Any

from mediation.cases.events import DisputeRegistered, DisputeTransitioned
from parties.services import attach_parties, move_to_body


def attach_registered_parties(*, event: DisputeRegistered, **kwargs: Any) -> None:
    """The parties the intake named: found among the body's records or recorded, with their
    roles; a party refused (with its position in the list) refuses the registration."""
    attach_parties(event.dispute, event.parties)


def move_records_with_case(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    """A case moved to another body takes its parties into that body's records."""
    if event.dispute.body_id != event.from_body_id:
        move_to_body(event.dispute)


def connect() -> None:
    from mediation.cases import events

    events.dispute_registered.connect(attach_registered_parties, dispatch_uid="parties.attach")
    events.dispute_transitioned.connect(move_records_with_case, dispatch_uid="parties.move")
