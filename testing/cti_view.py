"""A CTI client that keeps the lists it was given at login up to date from the pushes it
reads, as a desktop client does, so that a test can compare that view with a fresh
``getlist`` of the same lists (blocking, for end-to-end tests).

A view maps ``(ipbx, listname, id)`` to the item's ``status`` (users: also ``config``,
where the services panel reads DND and forwards).  Pushes are applied in the order they
arrive, replies included, so a fresh read answered after a push never misses it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from testing.daemons import BlockingCTIClient

__all__ = ["View", "ViewClient"]

View = dict[tuple[str, str, str], dict[str, Any]]

REPLY_TIMEOUT = 15.0
_FIELDS = {"updatestatus": "status", "updateconfig": "config"}


class ViewClient(BlockingCTIClient):
    """A client reading ``lists`` of every ipbx; ``view`` is what it built (once logged
    in, ``read_lists(client.view)`` gives it its initial lists)."""

    def __init__(self, port: int, lists: tuple[str, ...]) -> None:
        super().__init__(port)
        self.lists = lists
        self.view: View = {}
        self._next_id = 100

    def read_lists(self, fresh: View) -> View:
        """``fresh`` filled with a read of every item of ``lists`` on every ipbx the server
        lists (pushes met on the way go to ``view``, which may be ``fresh``)."""
        for ipbx in self.ask(**{"class": "getipbxlist"})["ipbxlist"]:
            for listname in self.lists:
                for tid in self._get("listid", listname, ipbx)["list"]:
                    for function in _FIELDS if listname == "users" else ("updatestatus",):
                        field = _FIELDS[function]
                        reply = self._get(function, listname, ipbx, tid=tid)
                        fresh.setdefault((ipbx, listname, tid), {})[field] = reply[field]
        return fresh

    def _get(self, function: str, listname: str, ipbx: str, **more: str) -> dict[str, Any]:
        return self.ask(**{"class": "getlist", "function": function, "listname": listname,
                           "tipbxid": ipbx, **more})  # fmt: skip

    def ask(self, **message: Any) -> dict[str, Any]:
        """Send a request; its reply, once every push read before it was applied."""
        self._next_id += 1
        commandid = self._next_id
        self.send(**message, commandid=commandid)
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            while self.unread:
                received = self.unread.pop(0)
                if received.get("replyid") == commandid:
                    assert "error_string" not in received, (message, received)
                    return received
                self._apply(received)
            left = deadline - time.monotonic()
            assert left > 0, f"no reply to {message}"
            self._read(left)

    def drain(self) -> None:
        """Apply every push already sent by the server (does not wait for more)."""
        self._read(0.0)
        while self.unread:
            self._apply(self.unread.pop(0))

    def _read(self, timeout: float) -> None:
        self.sock.settimeout(timeout)  # 0: only what was already received
        while True:
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                return
            if not data:
                raise ConnectionError(f"server closed; last: {self.unread[-5:]}")
            *lines, self.buf = (self.buf + data).split(b"\n")
            self.unread += [json.loads(line) for line in lines if line]
            if timeout:
                return

    def _apply(self, message: dict[str, Any]) -> None:
        if message.get("class") != "getlist" or message.get("listname") not in self.lists:
            return
        ipbx, listname = message["tipbxid"], message["listname"]
        function = message["function"]
        if function in _FIELDS:
            self.view.setdefault((ipbx, listname, message["tid"]), {})[_FIELDS[function]] = message[
                _FIELDS[function]
            ]
        elif function == "addconfig":
            for tid in message["list"]:
                self.view.setdefault((ipbx, listname, tid), {})
        elif function == "delconfig":
            for tid in message["list"]:
                self.view.pop((ipbx, listname, tid), None)
