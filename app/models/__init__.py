"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.accounts import AccountToken, AuditEvent, RecoveryCode
from app.models.imports import ImportRun
from app.models.schools import School
from app.models.users import Role, User

__all__ = ["AccountToken", "AuditEvent", "ImportRun", "RecoveryCode", "Role", "School", "User"]
