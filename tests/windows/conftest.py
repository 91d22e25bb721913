"""A return type of the tests' own whose rule asks by age, as the careers return will."""

from __future__ import annotations

import pytest

from app.engine import registry
from app.engine.registry import ReturnType
from app.engine.scope import AgeScope

YEAR_7_OR_ABOVE = AgeScope(12, "with pupils in year 7 or above")

AGE_TYPE = ReturnType(
    key="age_test",
    title="Careers (test)",
    summary="A return asked by age, that exists only in the tests",
    scope=YEAR_7_OR_ABOVE,
)


@pytest.fixture
def age_type():
    registry.register(AGE_TYPE)
    yield AGE_TYPE
    registry.unregister(AGE_TYPE.key)
