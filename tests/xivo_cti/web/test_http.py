"""The pure HTTP side: files, upgrades from allowed origins, errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_cti.web._assets import Asset, Assets
from xivo_cti.web._http import HTTPFront, Reply, Upgrade, origin_allowed

ASSETS = Assets({"/panel.js": Asset(content_type="text/javascript", body=b"js();")})
UPGRADE = (
    b"GET /cti HTTP/1.1\r\nHost: panel.test:9480\r\nOrigin: %s\r\n"
    b"Connection: keep-alive, Upgrade\r\n"
    b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)


def front(secure: bool = False, origins: frozenset[str] = frozenset()) -> HTTPFront:
    return HTTPFront(ASSETS, secure=secure, origins=origins, max_request=1024)


def status(outcome: Reply | Upgrade | None) -> int:
    assert isinstance(outcome, Reply)
    return int(outcome.data.split(b" ", 2)[1])


def test_file_served_with_headers() -> None:
    """A known file comes with its type, length, no-sniff and a self-only policy."""
    outcome = front().receive_data(b"GET /panel.js?v=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status(outcome) == 200
    head, body = outcome.data.split(b"\r\n\r\n")
    assert body == b"js();"
    assert b"Content-Type: text/javascript" in head and b"Content-Length: 5" in head
    assert b"default-src 'self'" in head and b"nosniff" in head


def test_head_has_no_body() -> None:
    outcome = front().receive_data(b"HEAD /panel.js HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status(outcome) == 200 and outcome.data.endswith(b"\r\n\r\n")


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"POST /panel.js HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GET /cti HTTP/1.1\r\nHost: x\r\n\r\n", 426),
        (b"NOT HTTP\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 2000, 431),
    ],
)
def test_errors(request_: bytes, code: int) -> None:
    """Each bad request gets its status and a short reason."""
    assert status(front().receive_data(request_)) == code


def test_incomplete_request_waits() -> None:
    assert front().receive_data(b"GET / HTTP/1.1\r\nHo") is None


def test_upgrade_same_origin() -> None:
    """An upgrade from the page's own origin is handed on with the bytes that followed."""
    outcome = front().receive_data(UPGRADE % b"http://panel.test:9480" + b"\x81")
    assert isinstance(outcome, Upgrade) and outcome.rest == b"\x81"
    assert outcome.target == b"/cti"


def test_upgrade_other_origin_refused_unless_listed() -> None:
    assert status(front().receive_data(UPGRADE % b"http://other.test")) == 403
    listed = front(origins=frozenset({"http://other.test"}))
    assert isinstance(listed.receive_data(UPGRADE % b"http://OTHER.test"), Upgrade)


def test_secure_listener_wants_https_origin() -> None:
    assert status(front(secure=True).receive_data(UPGRADE % b"http://panel.test:9480")) == 403
    assert isinstance(
        front(secure=True).receive_data(UPGRADE % b"https://panel.test:9480"), Upgrade
    )


@given(origin=st.text(max_size=40), host=st.text(max_size=40))
def test_origin_check_is_exact(origin: str, host: str) -> None:
    """Only the exact own origin passes (no prefix or suffix match)."""
    allowed = origin_allowed(origin, host, False, frozenset())
    assert allowed == (origin.lower() == f"http://{host.lower()}")


@given(data=st.binary(max_size=600))
def test_any_bytes_give_an_outcome_or_wait(data: bytes) -> None:
    """Whatever arrives, the front waits, replies or hands on: it never raises."""
    outcome = front().receive_data(data)
    assert outcome is None or isinstance(outcome, (Reply, Upgrade))
