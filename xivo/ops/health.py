"""Health checks registered by each component, reported as JSON on /health.

A check is a cheap callable reading state already held in memory (never I/O): it
returns ``(ok, details)``.  The report is ``{"status": "up"|"down", "checks": {name:
{"status": ..., **details}}}``; HTTP 200 when every check is up, 503 otherwise, so
that a load balancer or systemd watchdog script needs only the status code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import Request

from xivo.redact import redact

__all__ = ["HealthCheck", "HealthChecks", "HealthResource"]

HealthCheck = Callable[[], tuple[bool, Mapping[str, Any]]]


class HealthChecks:
    """A named set of health checks (AMI link, each directory source...)."""

    log = Logger()

    def __init__(self) -> None:
        self._checks: dict[str, HealthCheck] = {}

    def add(self, name: str, check: HealthCheck) -> None:
        """Register ``check`` under ``name`` (a later registration replaces it)."""
        self._checks[name] = check

    def remove(self, name: str) -> None:
        """Forget the check ``name`` if present."""
        self._checks.pop(name, None)

    def names(self) -> list[str]:
        """The registered check names, sorted."""
        return sorted(self._checks)

    def report(self) -> dict[str, Any]:
        """Run every check; a check that raises is reported down with its error (any
        connection-string password masked)."""
        results: dict[str, Any] = {}
        for name in sorted(self._checks):
            try:
                ok, details = self._checks[name]()
                entry = {"status": "up" if ok else "down", **details}
            except Exception as e:
                entry = {"status": "down", "error": redact(f"{type(e).__name__}: {e}")}
                self.log.error("health check {check} failed: {error}", check=name, **entry)
            results[name] = entry
        up = all(entry["status"] == "up" for entry in results.values())
        return {"status": "up" if up else "down", "checks": results}


class HealthResource(Resource):
    """``GET /health``: the JSON report of a ``HealthChecks``."""

    isLeaf = True

    def __init__(self, checks: HealthChecks) -> None:
        super().__init__()
        self._checks = checks

    def render_GET(self, request: Request) -> bytes:
        report = self._checks.report()
        request.setResponseCode(200 if report["status"] == "up" else 503)
        request.setHeader(b"content-type", b"application/json")
        request.setHeader(b"cache-control", b"no-store")
        return json.dumps(report, sort_keys=True, default=str).encode() + b"\n"
