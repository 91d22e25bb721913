"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.schools import School
from app.models.users import Role, User

__all__ = ["Role", "School", "User"]
