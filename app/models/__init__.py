"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.imports import ImportRun
from app.models.schools import School
from app.models.users import Role, User

__all__ = ["ImportRun", "Role", "School", "User"]
