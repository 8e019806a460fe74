"""Commands on an ipbx another node holds: ``RemoteAsterisk`` sends each action over the bus
and waits for the holder's reply until a deadline; ``CommandServer`` runs them on the
holder, through the same ``Asterisk`` interface its own clients' commands use.

A command gets ``timeout`` seconds (plus the ring time of an Originate); no reply by then
is the error ``ipbx_not_answering:<ipbx>`` (no holder, or a holder that died), at once when
the ipbx is known to have no holder (nothing heard from it lately).  The holder
runs only the actions commands send (``ACTIONS``), and only before the deadline; its
``CommandError`` comes back as the same error string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from xivo_cti._errors import CommandError
from xivo_cti.ami import Message
from xivo_cti.bus._calls import CallsFull, RemoteCalls, still_valid
from xivo_cti.bus._messages import CommandReply, CommandRequest, encode
from xivo_cti.commands import Asterisk

__all__ = ["ACTIONS", "CommandServer", "RemoteAsterisk", "RemoteCommands"]

ACTIONS = frozenset({"Hangup", "Redirect", "Atxfer", "BlindTransfer", "CancelAtxfer",
                     "QueueAdd", "QueueRemove", "QueuePause", "AgentLogoff", "DBPut",
                     "Originate"})  # fmt: skip
"""The AMI actions CTI commands send: the only ones a holder runs for another node."""

_VAR = "Var-"
"""The prefix of the headers carrying an Originate's channel variables."""
_REPLIED = ("Response", "Message", "Uniqueid")
"""The headers of the AMI response a reply carries."""

Publish = Callable[[str, bytes], Deferred[None]]


class RemoteCommands:
    """The commands this node (``node``) sent to holders and waits on."""

    def __init__(self, node: str, publish: Publish, clock: IReactorTime, timeout: float = 5.0):
        self._calls = RemoteCalls(node)
        self._publish = publish
        self._clock = clock
        self.timeout = timeout
        self._waiting: dict[str, tuple[Deferred[CommandReply], str]] = {}

    def call(self, ipbx: str, action: str, headers: Mapping[str, str], extra: float = 0.0):
        """Send ``action`` to the holder of ``ipbx``; fires with its ``CommandReply`` or
        fails with ``CommandError``."""
        try:
            request = self._calls.request(ipbx, action, headers, now=self._clock.seconds(),
                                          timeout=self.timeout + extra)  # fmt: skip
        except CallsFull:
            raise CommandError("busy") from None
        d: Deferred[CommandReply] = Deferred()
        self._waiting[request.id] = (d, ipbx)
        self._publish(f"ipbx.{ipbx}.command", encode(request)).addErrback(lambda _: None)
        self._clock.callLater(self.timeout + extra, self._expire)
        return d

    def reply_received(self, reply: CommandReply) -> None:
        """A holder's reply; dropped unless its command still waits."""
        if self._calls.reply_received(reply) is not None:
            d, _ipbx = self._waiting.pop(reply.id)
            d.callback(reply)

    def _expire(self) -> None:
        for expired in self._calls.expire(self._clock.seconds()):
            d, ipbx = self._waiting.pop(expired.id)
            d.errback(CommandError(f"ipbx_not_answering:{ipbx}"))


class RemoteAsterisk:
    """``Asterisk`` for an ipbx another node holds (``answering``: whether its holder was
    heard of lately)."""

    def __init__(
        self,
        ipbx: str,
        commands: RemoteCommands,
        connected: Callable[[], bool],
        answering: Callable[[], bool],
    ) -> None:
        self._ipbx = ipbx
        self._commands = commands
        self._connected = connected
        self._answering = answering

    @property
    def connected(self) -> bool:
        """True while this node's bus connection is up."""
        return self._connected()

    async def send(self, action: str, headers: Mapping[str, str]) -> Message:
        """Run ``action`` on the holder; its response."""
        return await self._run(action, dict(headers), 0.0)

    async def originate(
        self, channel: str, *, exten: str, context: str, callerid: str, timeout_ms: int
    ) -> Message:
        """Originate on the holder (see ``Asterisk.originate``)."""
        return await self._originate(channel, callerid, timeout_ms, Exten=exten, Context=context)

    async def originate_application(
        self,
        channel: str,
        *,
        application: str,
        data: str,
        callerid: str,
        timeout_ms: int,
        variables: Mapping[str, str] | None = None,
    ) -> Message:
        """Originate into an application on the holder (channel ``variables`` travel as
        ``Var-NAME`` headers)."""
        target = {"Application": application, "Data": data}
        target |= {f"{_VAR}{name}": value for name, value in (variables or {}).items()}
        return await self._originate(channel, callerid, timeout_ms, **target)

    async def _originate(
        self, channel: str, callerid: str, timeout_ms: int, **target: str
    ) -> Message:
        headers = {"Channel": channel, **target, "CallerID": callerid,
                   "Timeout": str(timeout_ms)}  # fmt: skip
        return await self._run("Originate", headers, timeout_ms / 1000)

    async def _run(self, action: str, headers: dict[str, str], extra: float) -> Message:
        if not self._connected():
            raise CommandError("bus_not_connected")
        if not self._answering():
            raise CommandError(f"ipbx_not_answering:{self._ipbx}")
        reply = await self._commands.call(self._ipbx, action, headers, extra)
        if not reply.ok:
            raise CommandError(reply.error)
        return Message(tuple(reply.headers.items()))


class CommandServer:
    """Runs the commands other nodes send for an ipbx held here, on its ``asterisk``;
    ``ran`` is told each action Asterisk accepted, with its headers."""

    def __init__(
        self,
        asterisk: Asterisk,
        publish: Publish,
        clock: IReactorTime,
        ran: Callable[[str, Mapping[str, str]], None] = lambda action, headers: None,
    ) -> None:
        self._asterisk = asterisk
        self._publish = publish
        self._clock = clock
        self._ran = ran

    def requested(self, request: CommandRequest) -> Deferred[None]:
        """Run ``request`` (if still valid and allowed) and send the reply."""
        return Deferred.fromCoroutine(self._run(request))

    async def _run(self, request: CommandRequest) -> None:
        if not still_valid(request, self._clock.seconds()):
            return  # the requester gave up already
        try:
            response = await self._action(request.action, dict(request.headers))
        except CommandError as e:
            reply = CommandReply(id=request.id, ok=False, headers={}, error=e.error_string)
        else:
            headers = {k: v for k, v in response.headers
                       if k in _REPLIED and "\r" not in v and "\n" not in v}  # fmt: skip
            reply = CommandReply(id=request.id, ok=True, headers=headers, error="")
            self._ran(request.action, request.headers)
        self._publish(f"node.{request.reply_to}", encode(reply)).addErrback(lambda _: None)

    async def _action(self, action: str, headers: dict[str, str]) -> Any:
        if action not in ACTIONS:
            raise CommandError("refused")
        if action != "Originate":
            return await self._asterisk.send(action, headers)
        try:
            channel, callerid = headers["Channel"], headers["CallerID"]
            timeout_ms = int(headers["Timeout"])
            if "Application" in headers:
                variables = {k[len(_VAR) :]: v for k, v in headers.items() if k.startswith(_VAR)}
                return await self._asterisk.originate_application(
                    channel, application=headers["Application"], data=headers["Data"],
                    callerid=callerid, timeout_ms=timeout_ms, variables=variables or None,
                )  # fmt: skip
            return await self._asterisk.originate(
                channel, exten=headers["Exten"], context=headers["Context"],
                callerid=callerid, timeout_ms=timeout_ms,
            )  # fmt: skip
        except (KeyError, ValueError):
            raise CommandError("refused") from None
