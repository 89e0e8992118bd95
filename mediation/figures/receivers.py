"""Keeping the figures current as cases change.

Saves of a dispute and of its log rows are followed through Django's model signals
(`mediation.figures.kept.connect`); a conclusion imported from paper is written with an UPDATE,
which sends none, so it is followed here through `dispute_transitioned`."""

from __future__ import annotations

from typing import Any

from mediation.cases.events import DisputeTransitioned
from mediation.figures import kept


def refresh_after_import(*, event: DisputeTransitioned, **kwargs: Any) -> None:
    if event.imported:
        kept.refresh([event.dispute.slice_dims()])


def connect() -> None:
    from mediation.cases import events

    kept.connect()
    events.dispute_transitioned.connect(refresh_after_import, dispatch_uid="figures.import")
