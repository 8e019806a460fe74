"""A fake Asterisk for the benchmark: accepts a login, then streams a recording at full speed.

Plain blocking sockets: this runs in its own process, never inside a service.
"""

from __future__ import annotations

import re
import socket

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
ACTION_ID = re.compile(rb"ActionID: *([^\r\n]*)", re.IGNORECASE)


def read_action(conn: socket.socket) -> bytes:
    """Read bytes until the end of the first action (a blank line)."""
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def serve(listener: socket.socket, payload: bytes, clients: int) -> None:
    """Serve ``clients`` connections one after another, each the whole ``payload``."""
    for _ in range(clients):
        conn, _ = listener.accept()
        with conn:
            conn.sendall(BANNER)
            login = read_action(conn)
            match = ACTION_ID.search(login)
            action_id = match.group(1) if match else b""
            conn.sendall(
                b"Response: Success\r\nActionID: " + action_id + b"\r\n"
                b"Message: Authentication accepted\r\n\r\n"
            )
            conn.sendall(payload)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):  # drain (pings, logoff) until the client closes
                pass
