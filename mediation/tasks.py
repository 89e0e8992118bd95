"""The app's Celery tasks, for Celery's autodiscovery (it imports `<app>.tasks`); each lives in
the package it works for."""

from mediation.cases.tasks import check_deadlines
from mediation.ledger.tasks import run_ledger_import
from mediation.notifications.tasks import send_notification

__all__ = ["check_deadlines", "run_ledger_import", "send_notification"]
