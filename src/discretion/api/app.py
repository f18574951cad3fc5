"""The application: one database, one signing key, one workflow per process."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from .. import web
from ..audit.keys import load_signing_key
from ..audit.log import Signer
from ..store.db import Database
from ..workflow.service import Workflow
from . import problems
from .limits import BodyLimit
from .routes import public, router


def create_app(database_url: str | None = None, migrate: bool = True) -> FastAPI:
    db = Database(database_url, pool_size=40)
    if migrate:
        db.migrate()
    threads = int(os.environ.get("DISCRETION_API_THREADS", "8"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Handlers are synchronous and hold the GIL most of the time: a few threads keep a
        # transaction's holder from being starved by many others parsing and deciding.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        db.dispose()

    # No /docs or /redoc: their pages load scripts from a CDN and run inline script, which
    # the Content-Security-Policy forbids. The schema stays at /openapi.json.
    app = FastAPI(title="discretion", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  summary="Enforcement-action requests, supervisor decisions and a verifiable "
                  "audit log, on the discretion policy engine.")
    app.state.db = db
    app.state.workflow = Workflow(db, Signer(load_signing_key()))
    problems.install(app)
    app.include_router(public)
    app.include_router(router)
    web.install(app)
    app.add_middleware(BodyLimit, prefix="/api")  # outermost: before anything reads a body
    return app
