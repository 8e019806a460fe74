"""Tests for xivo.ops.health."""

import json

from twisted.web.test.requesthelper import DummyRequest

from xivo.ops.health import HealthChecks, HealthResource


def test_all_up_reports_up():
    """Every check up gives status up and each check's details."""
    checks = HealthChecks()
    checks.add("ami", lambda: (True, {"host": "127.0.0.1"}))
    report = checks.report()
    assert report == {"status": "up", "checks": {"ami": {"status": "up", "host": "127.0.0.1"}}}


def test_one_down_reports_down():
    """One check down makes the whole report down while others stay up."""
    checks = HealthChecks()
    checks.add("ami", lambda: (False, {}))
    checks.add("directory.phonebook", lambda: (True, {}))
    report = checks.report()
    assert report["status"] == "down"
    assert report["checks"]["ami"]["status"] == "down"
    assert report["checks"]["directory.phonebook"]["status"] == "up"


def test_raising_check_is_down_with_error():
    """A check that raises is reported down with the error text, others still run."""
    checks = HealthChecks()

    def broken():
        raise RuntimeError("boom")

    checks.add("broken", broken)
    checks.add("fine", lambda: (True, {}))
    report = checks.report()
    assert report["checks"]["broken"] == {"status": "down", "error": "RuntimeError: boom"}
    assert report["checks"]["fine"]["status"] == "up"


def test_add_replaces_and_remove_forgets():
    """Registering a name twice keeps the last check; remove drops it."""
    checks = HealthChecks()
    checks.add("x", lambda: (False, {}))
    checks.add("x", lambda: (True, {}))
    assert checks.report()["status"] == "up"
    checks.remove("x")
    checks.remove("x")
    assert checks.names() == []


def test_resource_answers_200_when_up():
    """GET /health answers 200 and JSON when everything is up."""
    checks = HealthChecks()
    checks.add("ami", lambda: (True, {}))
    request = DummyRequest([b""])
    body = HealthResource(checks).render_GET(request)
    assert request.responseCode == 200
    assert request.responseHeaders.getRawHeaders(b"content-type") == [b"application/json"]
    assert json.loads(body)["status"] == "up"


def test_resource_answers_503_when_down():
    """GET /health answers 503 when a check is down."""
    checks = HealthChecks()
    checks.add("ami", lambda: (False, {"error": "connection refused"}))
    request = DummyRequest([b""])
    body = HealthResource(checks).render_GET(request)
    assert request.responseCode == 503
    assert json.loads(body)["checks"]["ami"]["error"] == "connection refused"


def test_raising_check_never_shows_a_dsn_password():
    """An error quoting a connection string is masked in the report and in the log."""
    from twisted.logger import capturedLogs

    from tests.logtext import log_text

    checks = HealthChecks()

    def broken():
        raise ValueError('invalid dsn: "postgresql://xivo:S3ntinel@db/xivo"')

    checks.add("db", broken)
    with capturedLogs() as events:
        report = checks.report()
    assert report["checks"]["db"]["status"] == "down"
    assert "S3ntinel" not in json.dumps(report) and "S3ntinel" not in log_text(events)
    assert "invalid dsn" in report["checks"]["db"]["error"]
