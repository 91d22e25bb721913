"""The permission gate.

Every view declares who may reach it, with ``@public`` or ``@allow(...)``. A view that declares
nothing is refused (404) by ``refuse_undeclared_views``, so forgetting a declaration can never
open a page to everyone. Object-level access goes through one helper per object kind, each of
which returns the object or aborts with 404: a school user asking for another school's page
learns nothing, not even that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db, login_manager
from app.models import DataImport, ImportRun, Role, School, User

PUBLIC = "public"
ACCESS_ATTRIBUTE = "golden_thread_access"

COUNCIL_STAFF = (Role.OFFICER, Role.ADMIN)
EVERY_ROLE = (Role.SCHOOL, Role.OFFICER, Role.ADMIN)


def refuse(reason: str):
    """404, written to the audit trail: a signed-in user reaching for what is not theirs is worth knowing."""
    from app import audit

    if current_user.is_authenticated:
        audit.record("permission_refused", reason=reason, endpoint=request.endpoint)
    abort(404)


def public(view: Callable) -> Callable:
    """Anyone, signed in or not, may reach this view."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def allow(*roles: Role) -> Callable[[Callable], Callable]:
    """Only signed-in users with one of these roles; anonymous users are sent to sign in, others get 404."""
    if not roles:
        raise ValueError("allow() needs at least one role")
    allowed = frozenset(Role(role) for role in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                refuse(f"role {current_user.role} may not use this page")
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, allowed)
        return guarded

    return decorator


def access_of(view: Callable) -> str | frozenset[Role] | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def refuse_undeclared_views() -> None:
    """before_request: deny by default any view that has not declared its access."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or access_of(view) is None:
        current_app.logger.error("View %s declares no access and was refused", request.endpoint)
        refuse("the page declares no access")


# Object-level helpers: one per kind of object. Each returns the object or aborts with 404.


def school_or_404(school_id: int) -> School:
    """A school the current user may see: council staff see every school, school staff only their own."""
    if current_user.is_school_user and current_user.school_id != school_id:
        refuse("another school")
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    return school


def own_school_or_404() -> School:
    """The signed-in school user's own school."""
    if not current_user.is_school_user or current_user.school_id is None:
        refuse("not school staff")
    return school_or_404(current_user.school_id)


def managed_user_or_404(user_id: int) -> User:
    """An account an administrator may manage. Nobody else manages accounts."""
    if not current_user.is_authenticated or not current_user.is_admin:
        refuse("not an administrator")
    user = db.session.scalar(select(User).options(joinedload(User.school)).where(User.id == user_id))
    if user is None:
        abort(404)
    return user


def import_run_or_404(run_id: int) -> ImportRun:
    """The record of a schools-register import: administrators only."""
    if not current_user.is_authenticated or not current_user.is_admin:
        refuse("not an administrator")
    run = db.session.scalar(select(ImportRun).options(joinedload(ImportRun.imported_by)).where(ImportRun.id == run_id))
    if run is None:
        abort(404)
    return run


def data_import_or_404(import_id: int) -> DataImport:
    """The record of a DfE data import: administrators only."""
    if not current_user.is_authenticated or not current_user.is_admin:
        refuse("not an administrator")
    run = db.session.scalar(select(DataImport).options(joinedload(DataImport.imported_by)).where(DataImport.id == import_id))
    if run is None:
        abort(404)
    return run


def window_or_404(window_id: int):
    """A collection window: administrators manage them."""
    from app.models import CollectionWindow

    if not current_user.is_authenticated or not current_user.is_admin:
        refuse("not an administrator")
    window = db.session.get(CollectionWindow, window_id)
    if window is None:
        abort(404)
    return window


def return_or_404(return_id: int):
    """A return the current user may see, in some capacity its type's policy gives them (council
    staff see every school's self-evaluation, school staff their own school's)."""
    from app.engine import registry
    from app.models import Return

    if not current_user.is_authenticated:
        refuse("not signed in")
    ret = db.session.get(Return, return_id)
    if ret is None:
        abort(404)
    kind = registry.get(ret.return_type)
    if kind is None or kind.policy.capacity(current_user, ret.school_id, ret) is None:
        refuse("a return the user has no part in")
    return ret


def colleague_or_404(user_id: int) -> User:
    """Another account at the signed-in school user's own school."""
    if not current_user.is_authenticated or not current_user.is_school_user or current_user.school_id is None:
        refuse("not school staff")
    user = db.session.get(User, user_id)
    if user is None or user.school_id != current_user.school_id or not user.is_school_user:
        refuse("not a colleague")
    return user
