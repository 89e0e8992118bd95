"""The mediation app's models, defined in its packages; Django finds an app's models here.
Nothing else imports this module: code imports the package that defines a model (migrations
name the two defaults below by this module's path)."""

from mediation.cases.models import (  # noqa: F401
    Dispute,
    MediationBody,
    MediationSession,
    Mediator,
    ReferenceCounter,
    StaffMember,
    TransitionLog,
    category_list_default,
    new_calendar_token,
)
from mediation.figures.models import FigureDays, FigureSlice  # noqa: F401
from mediation.ledger.models import LedgerImport  # noqa: F401
