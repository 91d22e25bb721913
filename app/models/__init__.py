"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.accounts import AccountToken, AuditEvent, RecoveryCode
from app.models.data import DataImport, MeasureValue
from app.models.imports import ImportRun
from app.models.monitoring import OfficerMark, Reminder, ReturnAlert
from app.models.returns import Fact, LivingPlan, LivingRow, LivingUpdate, Return, ReturnSection, ReturnTransition, ReviewNote, SectionComment, SectionVersion, SentNotice, StepAnswers, Submission
from app.models.schools import School
from app.models.support import SupportCriteria, SupportDecision
from app.models.users import Role, User
from app.models.windows import CollectionWindow, WindowException

__all__ = [
    "AccountToken",
    "AuditEvent",
    "CollectionWindow",
    "DataImport",
    "Fact",
    "ImportRun",
    "LivingPlan",
    "LivingRow",
    "LivingUpdate",
    "MeasureValue",
    "OfficerMark",
    "RecoveryCode",
    "Reminder",
    "Return",
    "ReturnAlert",
    "ReturnSection",
    "ReturnTransition",
    "ReviewNote",
    "SectionComment",
    "SectionVersion",
    "SentNotice",
    "StepAnswers",
    "Role",
    "School",
    "Submission",
    "SupportCriteria",
    "SupportDecision",
    "User",
    "WindowException",
]
