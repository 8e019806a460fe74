"""Helpers of the end-to-end tests: a real xivo-agid process and calls through Asterisk.

``AgidProcess`` runs ``twistd -n xivo-agid --config FILE`` on a free port.
``CallTracker`` logs into the test Asterisk's AMI with the project's ``AMIProtocol``,
originates ``Local/<exten>@incoming`` calls (one unique extension per call) and collects
the VarSet outcome of each (XIVO_RESULT_NAME, XIVO_RESULT_NUM, AGISTATUS_SEEN), its AGI
commands and its hang-up.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.task import deferLater

from tests.services.asterisk import AsteriskServer, free_port
from xivo_cti.ami.message import Message
from xivo_cti.ami.protocol import AMIProtocol

OUTCOME = ("XIVO_RESULT_NAME", "XIVO_RESULT_NUM", "AGISTATUS_SEEN")
_extensions = itertools.count(1_000_000)


def sleep(seconds: float) -> Deferred[None]:
    """A Deferred firing after ``seconds`` on the global reactor (test code)."""
    return deferLater(reactor, seconds, lambda: None)


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class AgidProcess:
    """The real xivo-agid daemon (twistd plugin) in a subprocess, logging to a file."""

    def __init__(self, directory: Path, config: dict[str, Any]) -> None:
        self.port = free_port()
        self.log_path = directory / "xivo-agid.log"
        self.config_path = directory / "xivo-agid.yml"
        config = {
            **config,
            "listen": {"address": "127.0.0.1", "port": self.port},
            "http": {"port": free_port()},
        }
        self.config_path.write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen | None = None

    async def start(self, timeout: float = 20.0) -> None:
        """Start the daemon and wait until its port accepts connections."""
        command = [
            sys.executable,
            "-c",
            "from twisted.scripts.twistd import run; run()",
            "--reactor=xivo",
            "--nodaemon",
            "--pidfile=",
            f"--logfile={self.log_path}",
            "xivo-agid",
            "--config",
            str(self.config_path),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        for _ in range(int(timeout / 0.1)):
            if self.process.poll() is not None:
                raise RuntimeError(f"xivo-agid exited at start:\n{self.log()}")
            if listening(self.port):
                return
            await sleep(0.1)
        raise RuntimeError(f"xivo-agid not listening on {self.port}:\n{self.log()}")

    async def stop(self) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        for _ in range(100):
            if self.process.poll() is not None:
                return
            await sleep(0.1)
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        """Everything the daemon logged so far."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def errors(self) -> list[str]:
        """Log lines at error or critical level, and tracebacks."""
        markers = ("#error]", "#critical]", "Traceback", "Unhandled")
        return [line for line in self.log().splitlines() if any(m in line for m in markers)]

    def open_sessions(self) -> int:
        """FastAGI connections the daemon still holds (ESTABLISHED or CLOSE_WAIT)."""
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == self.port and fields[3] in ("01", "08"):
                    count += 1
        return count


class CallTracker:
    """An AMI session that places calls into [incoming] and collects what happened."""

    def __init__(self, ami: AMIProtocol) -> None:
        self.ami = ami
        self.variables: dict[str, dict[str, str]] = defaultdict(dict)
        self.commands: dict[str, list[str]] = defaultdict(list)
        self.hangups: set[str] = set()
        self._done: dict[str, Deferred[dict[str, str]]] = {}
        self._hung: dict[str, Deferred[None]] = {}
        ami.add_event_listener(self._event)

    @classmethod
    async def connect(
        cls, asterisk: AsteriskServer, events: str = "dialplan,agi,call"
    ) -> CallTracker:
        """Connect and log in (by default with events: dialplan, agi, call)."""
        endpoint = TCP4ClientEndpoint(reactor, asterisk.ami_host, asterisk.ami_port)
        ami = await connectProtocol(endpoint, AMIProtocol(reactor))
        await ami.login(asterisk.ami_username, asterisk.ami_secret, events=events)
        return cls(ami)

    async def filter_events(self, filters: list[tuple[str, str]]) -> None:
        """Have Asterisk send this session only the events matching ``filters``.

        Each filter is an AMI ``Filter`` action's (MatchCriteria, Filter) pair, e.g.
        ``("name(VarSet),header(Variable),method(exact)", "AGISTATUS_SEEN")``.
        """
        for criteria, expression in filters:
            headers = [("Operation", "Add"), ("MatchCriteria", criteria)]
            await self.ami.send_action("Filter", [*headers, ("Filter", expression)])

    def close(self) -> None:
        """Drop the AMI connection."""
        if self.ami.transport is not None:
            self.ami.transport.loseConnection()

    def _event(self, message: Message) -> None:
        if message.get("Context") != "incoming" or not message.get("Channel", "").endswith(";2"):
            return
        exten = message.get("Exten", "")
        if message.event == "VarSet" and message.get("Variable") in OUTCOME:
            self.variables[exten][message["Variable"]] = message.get("Value", "")
            if message["Variable"] == "AGISTATUS_SEEN" and exten in self._done:
                self._done.pop(exten).callback(dict(self.variables[exten]))
        elif message.event == "AGIExecStart":
            self.commands[exten].append(message.get("Command", ""))
        elif message.event == "Hangup":
            self.hangups.add(exten)
            if exten in self._hung:
                self._hung.pop(exten).callback(None)

    def originate(
        self, agi_port: int, callerid: str, number: str = "", timeout_ms: int = 10000
    ) -> str:
        """Start one call from ``callerid`` into [incoming]; returns its unique extension.

        ``number``, if given, replaces the caller number verbatim (spaces kept).
        """
        exten = str(next(_extensions))
        variables = {"AGIPORT": str(agi_port)}
        if number:
            variables["CALLER_NUM"] = number
        self._done[exten] = Deferred()
        self._hung[exten] = Deferred()
        d = self.ami.originate(
            f"Local/{exten}@incoming",
            application="Wait",
            data="0.1",
            callerid=callerid,
            variables=variables,
            timeout_ms=timeout_ms,
        )
        d.addErrback(lambda _: None)  # the outcome is read from VarSet/Hangup events
        return exten

    def outcome(self, exten: str, timeout: float = 15.0) -> Deferred[dict[str, str]]:
        """Fires with the call's outcome variables once AGISTATUS_SEEN is set."""
        if exten not in self._done:
            return Deferred.fromCoroutine(_now(dict(self.variables[exten])))
        return self._done[exten].addTimeout(timeout, reactor)

    def hung_up(self, exten: str, timeout: float = 15.0) -> Deferred[None]:
        """Fires when the call's dialplan side (;2) has hung up."""
        if exten not in self._hung:
            return Deferred.fromCoroutine(_now(None))
        return self._hung[exten].addTimeout(timeout, reactor)

    async def call(self, agi_port: int, callerid: str, number: str = "") -> dict[str, str]:
        """Place one call and return its outcome variables."""
        return await self.outcome(self.originate(agi_port, callerid, number))


async def _now(value: Any) -> Any:
    return value
