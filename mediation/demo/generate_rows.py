"""The rows of generated cases and their writing: table by table with
`mediation.kernel.bulk.insert` (COPY on PostgreSQL), one transaction per chunk, on PostgreSQL in
writer threads while the next chunk is built.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from mediation.cases.models import Dispute, TransitionLog
from mediation.figures import kept as figures
from mediation.kernel.bulk import Builder, insert
from parties.models import CaseParty, Party


@dataclass
class Case:
    dispute: Dispute
    # (role, party, position in this list of the party represented)
    members: list[tuple[str, Party, int | None]]
    steps: list[Step]


@dataclass
class Chunk:
    cases: list[Case] = field(default_factory=list)
    new_parties: list[Party] = field(default_factory=list)


# One step of a case's log: transition, from, to, at, actor, reason, data.
Step = tuple[str, str, str, datetime.datetime, int | None, str, dict[str, Any]]

NEW_DISPUTE = Builder(Dispute)
NEW_PARTY = Builder(Party)
NEW_CASE_PARTY = Builder(CaseParty)
NEW_LOG = Builder(TransitionLog)


def write(chunk: Chunk) -> dict[str, int]:
    """Write a chunk's rows table by table, in one transaction; how many went into each."""
    with transaction.atomic():
        insert(Dispute, [case.dispute for case in chunk.cases])
        insert(Party, chunk.new_parties)
        principals: list[CaseParty] = []
        representatives: list[tuple[CaseParty, CaseParty]] = []
        for case in chunk.cases:
            dispute_id = case.dispute.pk
            rows: list[CaseParty] = []
            for role, party, represents in case.members:
                row = NEW_CASE_PARTY(dispute_id=dispute_id, party_id=party.pk, role=role)
                if represents is None:
                    principals.append(row)
                else:
                    representatives.append((row, rows[represents]))
                rows.append(row)
        insert(CaseParty, principals)
        for row, principal in representatives:
            row.represents_id = principal.pk
        insert(CaseParty, [row for row, _principal in representatives])
        logs = [
            NEW_LOG(
                dispute_id=case.dispute.pk,
                transition=name,
                from_state=source,
                to_state=target,
                actor_id=actor_id,
                at=at,
                reason=reason,
                data=data,
            )
            for case in chunk.cases
            for name, source, target, at, actor_id, reason, data in case.steps
        ]
        insert(TransitionLog, logs)
        # Written without save(): count them in the kept figures (new cases, so added).
        figures.add_new([case.dispute.pk for case in chunk.cases])
    return {
        "disputes": len(chunk.cases),
        "parties": len(chunk.new_parties),
        "case_parties": len(principals) + len(representatives),
        "log": len(logs),
    }


WRITERS = 2


def write_behind(chunks: Iterable[Chunk], writers: int = WRITERS) -> Iterator[dict[str, int]]:
    """`write` chunks in `writers` other threads, each chunk on a connection of its own, while
    this thread builds the next ones; yields what `write` answers, in order.

    While one transaction waits for the database (its COPY, the foreign-key checks at commit),
    Python builds or converts other chunks: on two cores this is about a third faster than
    taking turns. At most `writers` + 1 chunks are in memory.
    """
    pending: deque[Future[dict[str, int]]] = deque()
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="generate_cases") as pool:
        for chunk in chunks:
            if len(pending) == writers:
                yield pending.popleft().result()
            pending.append(pool.submit(_write_and_close, chunk))
        while pending:
            yield pending.popleft().result()


def _write_and_close(chunk: Chunk) -> dict[str, int]:
    try:
        return write(chunk)
    finally:
        connection.close()  # this thread's own connection
