"""A real xivo-agid process and calls through Asterisk (end-to-end tests, benchmarks).

``AgidProcess`` runs the ``xivo-agid`` plugin (a ``Daemon``) on a free port.
``CallTracker`` logs into the test Asterisk's AMI with the project's ``AMIProtocol``,
originates ``Local/<exten>@incoming`` calls (one unique extension per call; or
``@incoming_source``, which asks for the source's name) and collects the VarSet outcome of
each (XIVO_RESULT_NAME, XIVO_RESULT_NUM, AGISTATUS_SEEN, and XIVO_RESULT_SOURCE there), its
AGI commands and its hang-up.
"""

from __future__ import annotations

import itertools
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from testing.daemons import TWISTD, Daemon, free_port
from testing.services.asterisk import AsteriskServer
from xivo_cti.ami import AMIProtocol, Message

__all__ = ["CONTEXTS", "OUTCOME", "AgidProcess", "CallTracker"]

OUTCOME = ("XIVO_RESULT_NAME", "XIVO_RESULT_NUM", "XIVO_RESULT_SOURCE", "AGISTATUS_SEEN")
CONTEXTS = ("incoming", "incoming_source")
_extensions = itertools.count(1_000_000)


class AgidProcess:
    """The real xivo-agid daemon on ``config`` plus a free FastAGI port (``port``) and
    HTTP port, its files in ``directory``; started by ``start()``, under ``launcher``
    (e.g. valgrind and the interpreter) if given, else twistd alone."""

    def __init__(
        self, directory: Path, config: dict[str, Any], launcher: Sequence[str] = (TWISTD,)
    ) -> None:
        self.port = free_port()
        self._directory = directory
        self._launcher = tuple(launcher)
        config = {
            **config,
            "listen": {"address": "127.0.0.1", "port": self.port},
            "http": {"port": free_port()},
        }
        self._config_text = yaml.safe_dump(config)
        self.daemon: Daemon | None = None

    @property
    def process(self) -> subprocess.Popen | None:
        """The twistd process, once started."""
        return self.daemon.proc if self.daemon is not None else None

    async def start(self, timeout: float = 20.0) -> None:
        """Start the daemon and wait until its port accepts connections."""
        self.daemon = Daemon(
            "xivo-agid", self._config_text, self._directory, launcher=self._launcher
        )
        await self.daemon.wait_port_async(self.port, timeout)

    async def stop(self) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL after 10 s)."""
        if self.daemon is not None:
            await self.daemon.stop_async(timeout=10.0)

    def log(self) -> str:
        """Everything the daemon logged so far."""
        return self.daemon.output() if self.daemon is not None else ""

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
    """An AMI session that places calls into [incoming] (or [incoming_source]) and
    collects what happened."""

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
        if message.get("Context") not in CONTEXTS or not message.get("Channel", "").endswith(";2"):
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
        self,
        agi_port: int,
        callerid: str,
        number: str = "",
        timeout_ms: int = 10000,
        context: str = "incoming",
    ) -> str:
        """Start one call from ``callerid`` into ``context`` (one of ``CONTEXTS``); returns
        its unique extension.

        ``number``, if given, replaces the caller number verbatim (spaces kept)
        ([incoming] only).
        """
        exten = str(next(_extensions))
        variables = {"AGIPORT": str(agi_port)}
        if number:
            variables["CALLER_NUM"] = number
        self._done[exten] = Deferred()
        self._hung[exten] = Deferred()
        d = self.ami.originate(
            f"Local/{exten}@{context}",
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

    async def call(
        self, agi_port: int, callerid: str, number: str = "", context: str = "incoming"
    ) -> dict[str, str]:
        """Place one call into ``context`` and return its outcome variables."""
        exten = self.originate(agi_port, callerid, number, context=context)
        return await self.outcome(exten)


async def _now(value: Any) -> Any:
    return value
