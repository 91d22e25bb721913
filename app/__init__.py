"""Golden Thread: returns from a council's schools, reviewed by its School Improvement Team."""

from __future__ import annotations

import os
import sqlite3

import click
import jinja2
from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_for, development_secret_key


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config_class = config_for(config_name)
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        if config_class.ENV_NAME == "production":
            config_class.validate(app.config)  # raises: production needs a real key
        app.config["SECRET_KEY"] = development_secret_key()
    config_class.validate(app.config)

    if app.config.get("PROXY_FIX_HOPS"):
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _load_return_types(app)
    _configure_templates(app)
    _init_extensions(app)

    from app.security import init_security
    from app.permissions import refuse_undeclared_views

    init_security(app)
    app.before_request(refuse_undeclared_views)

    from app.converters import BoundedIntegerConverter

    # Before the blueprints: each rule takes its converter when it is added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    _register_blueprints(app)

    from app.errors import register_error_handlers

    register_error_handlers(app)

    # Notices listen for the signal the lifecycle sends after every move.
    from app.engine import notices  # noqa: F401
    # Facts are kept right in the transaction of every move, from the same signal.
    from app.engine import facts  # noqa: F401
    # A submission's alerts (a self-evaluation with safeguarding not met) from the same signal.
    from app.engine import alerts  # noqa: F401
    from app.engine import versions  # noqa: F401
    # Living plans keep their rows from the same signal (app/engine/living.py).
    from app.engine import living  # noqa: F401

    from app.cli import register_cli

    register_cli(app)
    return app


def _load_return_types(app: Flask) -> None:
    """Import every return type named in RETURN_TYPES: each package registers itself with the
    engine. Nothing else in the app names a type."""
    from app.engine import registry

    app.extensions["return_types"] = registry.load(app.config["RETURN_TYPES"])


def _configure_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    # A type's own templates sit in its package's templates/ folder, under the type's own prefix
    # folder (sef/...), after the app's shared ones.
    type_folders = [jinja2.FileSystemLoader(folder) for folder in app.extensions["return_types"].template_folders]
    # The GOV.UK macros and widget templates are found under their package prefixes.
    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(app.root_path + "/templates"),
            *type_folders,
            jinja2.PrefixLoader(
                {
                    "govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": jinja2.PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from app import formatting, layout

    formatting.register(app)
    layout.init_layout(app)


def _init_extensions(app: Flask) -> None:
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app import auth_session
    from app.security import apply_body_limit

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # How long a write waits for another to finish before the request is answered "busy" (503).
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    # Before CSRFProtect's hook, which reads the body: a route's own cap must already apply.
    app.before_request(apply_body_limit)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth_session.init_app(app)

    from app import mail
    from app.audit import write_pending

    mail.init_app(app)

    @app.after_request
    def _commit_if_succeeded(response):
        # One transaction per request: commit once when the response succeeded, else roll back.
        # Audit events are kept either way: a refused request is often the event itself.
        # Mail queued by the request goes with its commit and is dropped with its rollback
        # (app/mail.py), so nobody hears of a change that was never made.
        # A route that saved what it was sent and then answers 422 to show what still needs
        # correcting (a draft kept with its errors) says so with `g.saved_with_errors`.
        if response.status_code < 400 or (response.status_code == 422 and g.get("saved_with_errors")):
            write_pending()
            db.session.commit()
        else:
            db.session.rollback()
            if g.get("audit_events"):
                pending = [values["event"] for values in g.audit_events]
                write_pending()
                try:
                    db.session.commit()
                except OperationalError as error:
                    from app.errors import is_database_busy

                    if not is_database_busy(error):
                        raise
                    # Still busy: the person already has the "busy, try again" page; say what was not kept.
                    db.session.rollback()
                    app.logger.warning("Database busy: audit events not written: %s", pending)
        return response


def _register_blueprints(app: Flask) -> None:
    from app.account.routes import bp as account_bp
    from app.admin.routes import bp as admin_bp
    from app.audit_log.routes import bp as audit_log_bp
    from app.windows.routes import bp as windows_bp
    from app.auth.routes import bp as auth_bp
    from app.main.routes import bp as main_bp
    from app.onboarding.routes import bp as onboarding_bp
    from app.engine.routes import bp as returns_bp
    from app.engine import version_routes  # noqa: F401  (its routes are on returns_bp)
    from app.engine import signoff_routes  # noqa: F401  (its route is on returns_bp)
    from app.engine import living_routes  # noqa: F401  (its routes are on returns_bp)
    from app.team.routes import bp as team_bp
    from app.schools.routes import bp as schools_bp
    from app.officer.routes import bp as officer_bp
    from app.officer.monitoring_routes import bp as monitoring_bp
    from app.engine.review_routes import bp as review_bp
    from app.support.routes import bp as support_bp
    from app.data.routes import bp as data_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(schools_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(returns_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(windows_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(data_bp)
    # A type with pages of its own (a living plan's updates) brings its own blueprint.
    for blueprint in app.extensions["return_types"].blueprints:
        app.register_blueprint(blueprint)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let several workers share the SQLite file; foreign keys on."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin), so savepoints and transactional
    # DDL behave as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # The busy timeout is the connection's own (sqlite3.connect's timeout, from SQLITE_BUSY_TIMEOUT
    # in the app; 5 s for an engine made elsewhere): a write waits that long for another to finish.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _transaction_writes() -> bool:
    """Whether a transaction starting now may write: a request that is not a read, or a command.

    Decided here and only here. A transaction that reads first and writes later cannot wait its
    turn on SQLite: once another writer has committed, upgrading it to a write fails at once with
    "database is locked", whatever the busy timeout. So a writer takes the write lock at BEGIN and
    waits there; pages that only read keep a deferred BEGIN and never wait for a writer (WAL).
    """
    if has_request_context():
        # A request answered "busy" (app/errors.py) only reads from then on, to show that page.
        return request.method not in READ_ONLY_METHODS and not g.get("database_busy")
    # A CLI command (flask seed-demo, notices send, returns rebuild-facts...) may write, and
    # runs beside the web workers: it waits its turn too.
    return click.get_current_context(silent=True) is not None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _transaction_writes() else "BEGIN")
