"""The lifecycle sends `return_moved` after every move, inside the transaction that made it: what a
receiver writes (a type's own work, such as a living plan's rows) commits or rolls back with it."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app.engine import lifecycle
from app.engine.history import submissions_of
from app.engine.signals import return_moved
from app.extensions import db
from app.models import Return, ReturnSection, SectionComment
from tests.returns.test_sef_sections import VALID_JSON, World


@contextmanager
def receiving(receiver):
    return_moved.connect(receiver)
    try:
        yield
    finally:
        return_moved.disconnect(receiver)


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


def test_every_move_sends_the_signal_once_with_who_what_and_from_where(world):
    seen = []

    def receiver(ret, **kwargs):
        seen.append((kwargs["action"], kwargs["from_state"], ret.state, kwargs["user"].id, kwargs["return_type"].key, kwargs["reason"]))

    with receiving(receiver):
        ret = lifecycle.start(world.approver, world.window, world.school, answers=VALID_JSON)
        for section in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id)):
            section.status = "completed"
        lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
        lifecycle.perform(lifecycle.TAKE, ret, world.officer)
        lifecycle.perform(lifecycle.RETURN_FOR_CHANGES, ret, world.officer, reason="Add the figures")
        lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
        lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    approver, officer = world.approver.id, world.officer.id
    assert seen == [
        ("start", None, "draft", approver, "sef", ""),
        ("submit", "draft", "submitted", approver, "sef", ""),
        ("take", "submitted", "submitted", officer, "sef", ""),
        ("return_for_changes", "submitted", "returned", officer, "sef", "Add the figures"),
        ("submit", "returned", "submitted", approver, "sef", ""),
        ("accept", "submitted", "accepted", officer, "sef", ""),
    ]


def test_a_refused_move_sends_nothing(world):
    seen = []
    with receiving(lambda ret, **kwargs: seen.append(kwargs["action"])):
        ret = lifecycle.start(world.approver, world.window, world.school)
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    assert seen == ["start"]


def test_what_a_receiver_writes_commits_or_rolls_back_with_the_move(world):
    def on_accept(ret, **kwargs):
        if kwargs["action"] == lifecycle.ACCEPT:
            latest = submissions_of(ret)[-1].submission
            db.session.add(SectionComment(submission_id=latest.id, section_key="context", text="Living rows made", author_id=kwargs["user"].id))

    ret = lifecycle.start(world.approver, world.window, world.school, answers=VALID_JSON)
    for section in db.session.scalars(select(ReturnSection).where(ReturnSection.return_id == ret.id)):
        section.status = "completed"
    lifecycle.perform(lifecycle.SUBMIT, ret, world.approver)
    with receiving(on_accept):
        savepoint = db.session.begin_nested()
        lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
        db.session.flush()
        assert db.session.scalar(select(SectionComment.text)) == "Living rows made"
        savepoint.rollback()
        assert db.session.scalar(select(SectionComment.text)) is None, "the receiver's work went with the move"
        db.session.refresh(ret)
        assert ret.state == "submitted"
        lifecycle.perform(lifecycle.ACCEPT, ret, world.officer)
    db.session.flush()
    assert db.session.scalar(select(Return.state).where(Return.id == ret.id)) == "accepted"
    assert db.session.scalar(select(SectionComment.text)) == "Living rows made"
