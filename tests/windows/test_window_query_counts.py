"""The list of windows counts every window's schools in one statement, however many windows there
are (each window's rule is its type's own SQL, so it is one scalar subquery per window)."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import CollectionWindow
from app.services import windows as window_service

PERIODS = ("autumn", "spring", "summer", "annual")


def add_windows(count: int, age_type) -> None:
    already = db.session.query(CollectionWindow).count()
    for n in range(already, already + count):
        types = ("sef", age_type.key)
        db.session.add(
            CollectionWindow(
                return_type=types[n % 2], academic_year=f"{2020 + n // 8}/{str(21 + n // 8)[-2:]}", period=PERIODS[(n // 2) % 4],
                title=f"Window {n}", opens_on=date(2026, 9, 1), due_on=date(2026, 10, 16),
                phases=["Primary", "Secondary"], include_special=True, include_alternative_provision=False,
            )
        )
    db.session.flush()


def measure(admin_client, count_queries) -> tuple[int, int, list]:
    with count_queries() as service:
        listed = window_service.all_windows()
    admin_client.get("/admin/windows")  # warm: the first request of a client may load what later ones reuse
    with count_queries() as page:
        response = admin_client.get("/admin/windows")
    assert response.status_code == 200
    return service.count, page.count, listed


def test_window_counts_take_the_same_statements_for_one_window_or_five(admin_client, factory, age_type, count_queries):
    factory.school(phase="Primary", statutory_high_age=11)
    factory.school(phase="Secondary", statutory_low_age=11, statutory_high_age=16)
    factory.school(phase="Not applicable", establishment_type="Community special school", statutory_high_age=19)
    factory.school(phase="Secondary", statutory_high_age=18, status="Closed")

    add_windows(1, age_type)
    service_one, page_one, listed = measure(admin_client, count_queries)
    assert service_one == 2  # the windows, then every count at once
    assert [count for _window, count in listed] == [3]

    add_windows(4, age_type)
    service_five, page_five, listed = measure(admin_client, count_queries)
    assert (service_five, page_five) == (service_one, page_one)
    assert len(listed) == 5
    # Each count is its own window's rule: the phase windows ask 3, the age windows 2.
    assert sorted(count for _window, count in listed) == [2, 2, 3, 3, 3]
    for window, count in listed:
        assert count == window_service.scope_count(window)
