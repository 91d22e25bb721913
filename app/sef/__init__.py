"""Return 1: the school self-evaluation (SEF), declared to the return engine."""

from app.returns.registry import ReturnType, register
from app.sef.framework import CURRENT

SEF = register(
    ReturnType(
        key="sef",
        title="School self-evaluation",
        summary="How the school judges itself against Ofsted's framework, and its improvement priorities",
        form_version=CURRENT.version,
    )
)
