"""The app factory: ``sanic server.main:create_app --factory``.

``create_app(settings, adapters)`` builds a complete app; tests pass their own settings (a
per-test Redis prefix, the test database) and, where a test needs to steer a platform, their own
fake adapters. Per-worker resources are made in listeners, never at import, because Sanic
spawns its workers.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, redirect
from sanic_ext import Extend
from sanic_ext import openapi as openapi_notes
from sanic_ext.extensions.http.extension import HTTPExtension
from tortoise import Tortoise

from api import build_api
from api.system import install_system_routes
from domain.accounts.tokens import TokenService
from domain.shared.kv import Keys
from server import auth, db, guards, openapi, wiring, worker
from server import logging as palm_logging
from server.bootstrap import Adapters, build_adapters
from server.context import Runtime
from server.errors import PalmErrorHandler
from server.metrics import Metrics
from server.redis import connect as connect_redis
from server.requests import install_request_context
from server.settings import Settings

log = logging.getLogger("palmcity.server")
_app_numbers = itertools.count()
GRACEFUL_SHUTDOWN_SECONDS = 15.0  # Sanic's default, stated: deployments size their grace from it


def create_app(settings: Settings | None = None, adapters: Adapters | None = None) -> Sanic[Any, Any]:
    if not isinstance(settings, Settings):
        # `sanic server.main:create_app --factory` passes its parsed command line; we ignore it.
        settings = Settings()
    palm_logging.configure(settings.log_level, settings.log_json)
    number = next(_app_numbers)
    name = "palmcity" if number == 0 else f"palmcity-{number}"  # tests build many apps in one process
    app = Sanic(name, error_handler=PalmErrorHandler(), configure_logging=False)
    app.config.update(
        {
            "REQUEST_MAX_SIZE": settings.max_body_bytes,
            "FALLBACK_ERROR_FORMAT": "json",
            "PROXIES_COUNT": settings.trusted_proxy_hops,
            # The OpenAPI document and /docs are server/openapi.py's, not sanic-ext's (whose UI
            # loads from a CDN and whose document is not valid for the version it declares).
            "OAS": False,
            "CORS": False,
            # sanic-ext would add a HEAD and an OPTIONS route beside every route, which costs
            # seconds at every start-up; the app and the mini-program are same-origin clients.
            "HTTP_AUTO_HEAD": False,
            "HTTP_AUTO_OPTIONS": False,
            "HEALTH": False,
            # On SIGTERM a worker stops listening, closes idle keep-alive connections and lets the
            # requests in flight finish for this long before it aborts them; then the listeners
            # below close the runtime. A pod's termination grace must be longer.
            "GRACEFUL_SHUTDOWN_TIMEOUT": GRACEFUL_SHUTDOWN_SECONDS,
        }
    )
    app.ctx.settings = settings
    # `<name:id>` in a route: a database id. Unlike `:int`, an oversized or negative number is no
    # route at all (404) rather than an overflow in the database.
    app.router.register_pattern("id", _database_id, r"^[1-9]\d{0,17}$")
    # Only the extensions PalmCity uses. sanic-ext's dependency injection (unused here) would run
    # a signal handler on every request; its health and logging extensions are switched off anyway.
    # Routes still note their documentation with `sanic_ext.openapi`; server/openapi.py reads it.
    Extend(app, built_in_extensions=False, extensions=[HTTPExtension])
    wiring.install(settings)  # the domain's keys, templates and registries, once per app
    metrics = Metrics()
    metrics.install(app)

    @app.before_server_start
    async def start_runtime(app: Sanic[Any, Any]) -> None:
        if getattr(app.ctx, "runtime", None) is not None:
            return  # sanic-testing runs listeners around each request; keep one runtime
        app.ctx.owns_orm = not Tortoise._inited
        if app.ctx.owns_orm:
            await Tortoise.init(
                config=db.tortoise_config(settings.database_url, settings.database_pool_max),
                _enable_global_fallback=True,
            )
        redis = connect_redis(settings)
        keys = Keys(settings.redis_prefix)
        app.ctx.runtime = Runtime(
            settings=settings,
            adapters=adapters or build_adapters(settings, redis, keys),
            redis=redis,
            keys=keys,
            tokens=TokenService.from_settings(settings, redis, keys),
            metrics=metrics,
        )
        worker.start_in_process_if_embedded(app)

    @app.after_server_stop
    async def stop_runtime(app: Sanic[Any, Any]) -> None:
        runtime: Runtime | None = getattr(app.ctx, "runtime", None)
        if runtime is None:
            return
        await worker.stop_in_process(app)
        if adapters is None:
            await runtime.adapters.aclose()
        await runtime.redis.aclose()
        if app.ctx.owns_orm:
            await Tortoise.close_connections()
        app.ctx.runtime = None

    install_request_context(app)
    auth.install(app)
    guards.install(app)
    install_system_routes(app)
    openapi.install(app)
    app.blueprint(build_api(with_sandbox=settings.sandbox))
    _serve_h5(app, settings)
    return app


def _database_id(value: str) -> int:
    """Cast for `<name:id>`; the router treats ValueError as "no such route"."""
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise ValueError(value)
    return int(value)


def _serve_h5(app: Sanic[Any, Any], settings: Settings) -> None:
    if settings.h5_dist.is_dir():
        app.static("/h5", settings.h5_dist, index="index.html", name="h5")

    @app.get("/", name="root")
    @openapi_notes.exclude()
    async def root(request: Request) -> HTTPResponse:
        return redirect("/h5/" if settings.h5_dist.is_dir() else "/docs")
