"""The uvicorn entry point: ``uvicorn --factory discretion.api.server:app``."""

from __future__ import annotations

import os

from fastapi import FastAPI

from .app import create_app


def app() -> FastAPI:
    """The application for the configured database; migrates unless the parent already did."""
    return create_app(migrate=os.environ.get("DISCRETION_SKIP_MIGRATE") != "1")
