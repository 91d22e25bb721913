"""Alerts: what a submission's answers raise that officers must hear of at once, by each type's own
rule (ReturnType.alerts: a self-evaluation with safeguarding not met).

On every submission (the lifecycle's `return_moved` signal, inside its transaction) the type's rule
reads the new snapshot; each alert it gives is kept once per return (return_alerts, unique on the
return and the alert's key, so a resubmission that still raises it mails nobody again) and mailed
at once to every active officer through the notices table (NOTICES["alert"]). It stays until an
officer acknowledges it, with who and when kept (app/officer/alerts.py shows and acknowledges).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import absolute_url, send_mail
from app.models import CollectionWindow, Role, School, Submission, User
from app.models.monitoring import ReturnAlert
from app.engine.display import snapshot_answers
from app.engine.lifecycle import SUBMIT
from app.engine.signals import return_moved


@return_moved.connect
def raise_alerts(ret, *, action: str, return_type=None, **_) -> None:
    if action != SUBMIT or return_type is None:
        return
    submission = db.session.scalar(select(Submission).where(Submission.return_id == ret.id).order_by(Submission.number.desc()).limit(1))
    if submission is None:
        return
    raised = return_type.alerts(snapshot_answers(submission) or {}, submission.form_version)
    if not raised:
        return
    already = set(db.session.scalars(select(ReturnAlert.key).where(ReturnAlert.return_id == ret.id)))
    fresh = []
    for alert in raised:
        if alert.key in already or len(alert.key) > 40:
            continue
        try:
            with db.session.begin_nested():  # two submissions at once: the unique key decides
                db.session.add(ReturnAlert(
                    return_id=ret.id, submission_id=submission.id, school_id=ret.school_id, window_id=ret.window_id,
                    return_type=ret.return_type, key=alert.key, title=alert.title, raised_at=submission.submitted_at,
                ))
                db.session.flush()
        except IntegrityError:
            continue
        already.add(alert.key)
        fresh.append(alert)
    if fresh:
        _mail_officers(ret, fresh)


def _mail_officers(ret, alerts) -> None:
    from app.engine.notices import letter, notice_values, render

    school = db.session.get(School, ret.school_id)
    window = db.session.get(CollectionWindow, ret.window_id)
    officers = list(db.session.scalars(select(User).where(User.role == Role.OFFICER.value, User.active.is_(True)).order_by(User.id)))
    for alert in alerts:
        subject, text = render("alert", notice_values(school, window, ret.return_type) | {"alert": alert.title, "link": absolute_url(f"/returns/{ret.id}/review")})
        for officer in officers:
            send_mail(officer.email, subject, letter(officer, text))
