"""A scripted Wazo Client 18.01 (CTI protocol 2.3) for the tests: what it sends at login.

Written from the client's source (baselib/src/baseengine.cpp, message_factory.cpp and the
xlets' constructors) and checked against a capture of the real client (docs/cti-protocol.md):
each message is compact JSON with sorted keys and a random ``commandid``; the steps follow
its order.  On connect it waits for the server's ``starttls`` offer when ``encryption`` is
on (else it sends login_id at once), answers ``status: true``, upgrades when told
``starttls: true`` and then sends login_id followed by its answer again.  After
``login_capas`` it asks for the IPBX list and, for the panels it was given, contacts
headers, relations, favourites, history and queue statistics; the IPBX list answer starts
the list requests, and the window is ready ("initialized") once every listed item got its
status (other users: their config).  Blocking, for tests outside the reactor.
"""

from __future__ import annotations

import json
import random
import socket
import ssl
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["DesktopClient", "LoginRefused"]

LISTS = ("users", "phones", "agents", "queues", "voicemails", "queuemembers")


class LoginRefused(Exception):
    """The server answered a login step with an ``error_string`` (the popup's id)."""


class DesktopClient:
    """One scripted client; ``sent`` and ``received`` keep the whole conversation."""

    def __init__(
        self, port: int, *, encryption: bool, version: tuple[str, str] = ("wazoversion", "2.3")
    ) -> None:
        self.sock: Any = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.encryption = encryption
        self.version = version
        self.buffer = b""
        self.unread: deque[dict[str, Any]] = deque()
        self.replies: dict[int, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.encrypted = False
        self.userid = ""
        self.ipbxid = ""

    def send(self, message: dict[str, Any]) -> int:
        """Send as the client does (commandid = qrand(), compact, sorted keys)."""
        message = {**message, "commandid": random.randrange(2**31)}
        self.sent.append(message)
        data = json.dumps(message, separators=(",", ":"), sort_keys=True)
        self.sock.sendall(data.encode() + b"\n")
        return message["commandid"]

    def next(self) -> dict[str, Any]:
        """The next message from the server."""
        while not self.unread:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"server closed; last: {self.received[-3:]}")
            *lines, self.buffer = (self.buffer + data).split(b"\n")
            for line in lines:
                message = json.loads(line)
                assert isinstance(message.get("timenow"), float), message
                self.received.append(message)
                self.unread.append(message)
        return self.unread.popleft()

    def wait(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first message not yet read that ``match``es (a push); others stay unread."""
        skipped: list[dict[str, Any]] = []
        try:
            while True:
                message = self.next()
                if match(message):
                    return message
                skipped.append(message)
        finally:
            self.unread.extendleft(reversed(skipped))

    def reply(self, commandid: int) -> dict[str, Any]:
        """The reply to ``commandid``; pushes met on the way stay in ``received``, other
        replies are kept for their turn (answers that wait for a database come later)."""
        while commandid not in self.replies:
            message = self.next()
            if "replyid" in message:
                self.replies[message["replyid"]] = message
        return self.replies.pop(commandid)

    def connect(self) -> dict[str, Any] | None:
        """With encryption, the STARTTLS step (the server's answer); without, nothing: the
        client logs in at once and the offer only arrives before the first reply."""
        if not self.encryption:
            return None
        offer = self.next()
        assert offer == {"class": "starttls", "timenow": offer["timenow"]}, offer
        self.send({"class": "starttls", "status": True})
        answer = self.next()
        assert answer["class"] == "starttls" and isinstance(answer["starttls"], bool), answer
        if answer["starttls"]:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # as 18.01
            self.sock = context.wrap_socket(self.sock)
            self.encrypted = True
        return answer

    def login(self, login: str, password: str) -> dict[str, Any]:
        """login_id, login_pass, login_capas; the login_capas reply."""
        key, version = self.version
        commandid = self.send(
            {"class": "login_id", "company": "xivo", "ident": "X11-LE-4242",
             "lastlogout-datetime": "", "lastlogout-stopper": "", "userlogin": login,
             key: version}
        )  # fmt: skip
        if self.encryption:
            self.send({"class": "starttls", "status": True})  # the client says it again
        reply = self._step(commandid, "login_id")
        assert reply["sessionid"] and reply[key] == version, reply
        reply = self._step(self.send({"class": "login_pass", "password": password}), "login_pass")
        capaid = str(reply["capalist"][0])  # the client reads capalist as strings
        reply = self._step(
            self.send({"capaid": capaid, "class": "login_capas", "state": "available"}),
            "login_capas",
        )
        self.userid, self.ipbxid = reply["userid"], reply["ipbxid"]
        return reply

    def _step(self, commandid: int, klass: str) -> dict[str, Any]:
        reply = self.reply(commandid)
        assert reply["class"] == klass, reply
        if "error_string" in reply:
            raise LoginRefused(reply["error_string"])
        return reply

    def start(self, capas: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """What the client sends once logged in, until its window is initialized.

        Returns the answer to each class it sent (the lists' replies apart)."""
        xlets = {x[0] for x in capas["capaxlets"]}
        asked = {"getipbxlist": self.send({"class": "getipbxlist"})}
        if "people" in xlets:
            asked["people_favorites"] = self.send({"class": "people_favorites"})
            asked["people_headers"] = self.send({"class": "people_headers"})
            asked["get_relations"] = self.send({"class": "get_relations"})
        if "history" in xlets:
            xuserid = f"{self.ipbxid}/{self.userid}"
            asked["history"] = self.send({"class": "history", "size": "8", "xuserid": xuserid})
        if "queues" in xlets:
            asked["subscribetoqueuesstats"] = self.send({"class": "subscribetoqueuesstats"})
        answers = {klass: self.reply(commandid) for klass, commandid in asked.items()}
        relations = answers.get("get_relations", {}).get("data")
        if relations:
            endpoint = [[relations["xivo_uuid"], relations["endpoint_id"]]]
            commandid = self.send(
                {"class": "register_endpoint_status_update", "endpoint_ids": endpoint}
            )
            answers["register_endpoint_status_update"] = self.reply(commandid)
        queues = self._fetch_lists(answers["getipbxlist"]["ipbxlist"])
        if "queues" in xlets:  # then every 30 s
            on = {queue: {"window": "3600", "xqos": "60"} for queue in queues}
            answers["getqueuesstats"] = self.reply(self.send({"class": "getqueuesstats", "on": on}))
        return answers

    def _getlist(self, **body: Any) -> dict[str, Any]:
        reply = self.reply(self.send({"class": "getlist", **body}))
        assert reply["class"] == "getlist" and "error_string" not in reply, reply
        assert reply["function"] == body["function"] and reply["listname"] == body["listname"]
        return reply

    def _fetch_lists(self, ipbxlist: list[str]) -> list[str]:
        """The client's fetchLists and its init watcher: every id must be seen; the queue
        ids."""
        queues: list[str] = []
        own = self._getlist(
            function="updateconfig", listname="users", tipbxid=self.ipbxid, tid=self.userid
        )
        assert own["config"]["fullname"] is not None, own
        assert {"enablednd", "enableunc", "destunc"} <= own["config"].keys(), own  # services
        for ipbxid in ipbxlist:
            for listname in LISTS:
                reply = self._getlist(function="listid", listname=listname, tipbxid=ipbxid)
                assert all(isinstance(i, str) for i in reply["list"]), reply
                if listname == "queues":
                    queues += reply["list"]
                for tid in reply["list"]:
                    config = self._getlist(
                        function="updateconfig", listname=listname, tipbxid=ipbxid, tid=tid
                    )
                    assert isinstance(config["config"], dict) and config["tid"] == tid
                    if listname == "users" and tid != self.userid:
                        continue
                    status = self._getlist(
                        function="updatestatus", listname=listname, tipbxid=ipbxid, tid=tid
                    )
                    assert isinstance(status["status"], dict) and status["tid"] == tid
        return queues

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a panel's request as the client does (contacts, history); the reply."""
        return self.reply(self.send(message))

    def chat(self, to: list[Any], text: str, alias: str) -> dict[str, Any]:
        """The contacts menu's "Send a message" to a row's ``[xivo_id, user_uuid]``, as its chat
        window does (``alias``: the sender's own full name); the reply."""
        return self.ask({"class": "chitchat", "to": to, "text": text, "alias": alias})

    def keepalive(self) -> dict[str, Any]:
        """The client's keepalive (every 120 s); it drops a server that does not answer."""
        return self.reply(self.send({"class": "keepalive"}))

    def close(self) -> None:
        """Log out as the client does, and close."""
        self.send({"class": "logout", "stopper": "disconnect"})
        self.sock.close()
