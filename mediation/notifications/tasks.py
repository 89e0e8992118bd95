"""Sending notifications off the request.
Eager (in the caller's process) when no broker is configured.

The task keeps the name it was first queued under (`mediation.tasks.send_notification`), so messages
already in the broker and the beat schedule still find it."""

from __future__ import annotations

from celery import shared_task

from mediation.notifications.messages import deliver


@shared_task(name="mediation.tasks.send_notification", acks_late=True)
def send_notification(event: str, builder: str, args: list[int]) -> None:
    """Build and send one event's mails and SMS (`mediation.notifications.messages`), off the
    request."""
    deliver(event, builder, args)
