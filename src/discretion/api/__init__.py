"""The REST API (FastAPI) under ``/api``; OpenAPI at ``/openapi.json``."""

from .app import create_app

__all__ = ["create_app"]
