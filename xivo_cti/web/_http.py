"""The HTTP side of the panel's listener, pure (bytes in, one outcome out): a request for
a file gets it, a WebSocket upgrade at ``/cti`` from an allowed origin is handed on,
anything else gets an error reply.  One request per connection (``Connection: close``);
a request head over ``max_request`` bytes is refused (431)."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import h11

from xivo_cti.web._assets import Assets

__all__ = ["WS_PATH", "HTTPFront", "Reply", "Upgrade", "origin_allowed", "reply"]

WS_PATH = b"/cti"
_SECURITY = [
    (b"Content-Security-Policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"X-Content-Type-Options", b"nosniff"),
    (b"Referrer-Policy", b"no-referrer"),
    (b"Cache-Control", b"no-cache"),
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Reply:
    """Bytes to send, then close the connection."""

    data: bytes


@dataclass(frozen=True, kw_only=True, slots=True)
class Upgrade:
    """A WebSocket upgrade request (origin checked); ``rest``: bytes that followed it."""

    headers: list[tuple[bytes, bytes]]
    target: bytes
    rest: bytes


def reply(status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    """A whole ``Connection: close`` HTTP/1.1 response."""
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()]
    headers = [
        (b"Content-Type", content_type.encode()),
        (b"Content-Length", str(len(body)).encode()),
        (b"Connection", b"close"),
        *_SECURITY,
    ]
    head += [name + b": " + value for name, value in headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _error(status: int, reason: str) -> Reply:
    return Reply(data=reply(status, reason.encode() + b"\n"))


def origin_allowed(
    origin: str | None, host: str | None, secure: bool, allowed: frozenset[str]
) -> bool:
    """A browser's ``Origin`` is the page's own (``host`` under the listener's scheme) or
    listed; a client that sends none (not a browser) is not subject to the check."""
    if origin is None:
        return True
    origin = origin.lower()
    own = f"{'https' if secure else 'http'}://{(host or '').lower()}"
    return origin == own or origin in allowed


class HTTPFront:
    """One connection's request; ``receive_data`` returns its outcome once it is known."""

    def __init__(
        self, assets: Assets, *, secure: bool, origins: frozenset[str], max_request: int = 8192
    ) -> None:
        self._assets = assets
        self._secure = secure
        self._origins = frozenset(o.lower() for o in origins)
        self._conn = h11.Connection(h11.SERVER, max_incomplete_event_size=max_request)

    def receive_data(self, data: bytes) -> Reply | Upgrade | None:
        """Feed bytes (``b""``: the peer closed); None while the request is incomplete."""
        self._conn.receive_data(data)
        try:
            event = self._conn.next_event()
        except h11.RemoteProtocolError as e:
            status = e.error_status_hint
            return _error(status, "request header too large" if status == 431 else "bad request")
        if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
            return None
        assert isinstance(event, h11.Request)
        return self._request(event)

    def _request(self, request: h11.Request) -> Reply | Upgrade:
        headers = {name: value for name, value in request.headers}
        path = request.target.split(b"?", 1)[0]
        if path == WS_PATH:
            origin = headers.get(b"origin")
            host = headers.get(b"host")
            if not origin_allowed(
                origin.decode("latin-1") if origin is not None else None,
                host.decode("latin-1") if host is not None else None,
                self._secure,
                self._origins,
            ):
                return _error(403, "origin not allowed")
            if (
                request.method != b"GET"
                or b"upgrade" not in headers.get(b"connection", b"").lower()
            ):
                return _error(426, "a WebSocket upgrade is expected here")
            while self._conn.next_event() not in (h11.PAUSED, h11.NEED_DATA):
                pass  # the end of a request with no body
            rest = self._conn.trailing_data[0]
            return Upgrade(headers=list(request.headers), target=request.target, rest=rest)
        if request.method not in (b"GET", b"HEAD"):
            return _error(405, "only GET")
        asset = self._assets.get(path.decode("ascii", "replace"))
        if asset is None:
            return _error(404, "not found")
        data = reply(200, asset.body, asset.content_type)
        if request.method == b"HEAD":
            data = data[: data.index(b"\r\n\r\n") + 4]
        return Reply(data=data)
