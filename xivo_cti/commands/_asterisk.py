"""``Asterisk``: the one interface commands use to act on the PBX.

Commands never see the AMI: they ask an ``Asterisk`` to send an action or to originate
a call, and get a ``CommandError`` (the reply's ``error_string``) on any failure.
``LocalAsterisk`` is the implementation over this process's AMI connection; a node
forwarding commands to the node that owns an Asterisk would be another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from twisted.internet.defer import Deferred

from xivo_cti._errors import CommandError
from xivo_cti.ami import (
    AMIActionError,
    AMIActionRefused,
    AMIActionTimeout,
    AMIConnectionLost,
    AMINotConnected,
    Message,
)

__all__ = ["AMIActions", "Asterisk", "LocalAsterisk"]


class Asterisk(Protocol):
    """Acting on one Asterisk; every failure is raised as ``CommandError``."""

    @property
    def connected(self) -> bool:
        """True while actions can reach Asterisk."""
        ...

    async def send(self, action: str, headers: Mapping[str, str]) -> Message:
        """Send one action; its response."""
        ...

    async def originate(
        self, channel: str, *, exten: str, context: str, callerid: str, timeout_ms: int
    ) -> Message:
        """Ring ``channel``, then dial ``exten`` in ``context``; the OriginateResponse."""
        ...

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
        """Ring ``channel`` (with channel ``variables``), then run ``application(data)``
        on it; the OriginateResponse."""
        ...


class AMIActions(Protocol):
    """What ``LocalAsterisk`` needs of the AMI client (``AMIClientService``)."""

    @property
    def connected(self) -> bool: ...

    def send_action(self, action: str, headers: Mapping[str, str]) -> Deferred[Message]: ...

    def originate(self, channel: str, **kwargs: Any) -> Deferred[Message]: ...


class LocalAsterisk:
    """``Asterisk`` over this process's AMI connection."""

    def __init__(self, ami: AMIActions) -> None:
        self._ami = ami

    @property
    def connected(self) -> bool:
        """True while the AMI connection is logged in."""
        return self._ami.connected

    async def send(self, action: str, headers: Mapping[str, str]) -> Message:
        """Send one action (see ``Asterisk.send``)."""
        return await self._call(action.lower(), lambda: self._ami.send_action(action, headers))

    async def originate(
        self, channel: str, *, exten: str, context: str, callerid: str, timeout_ms: int
    ) -> Message:
        """Originate a call (see ``Asterisk.originate``)."""
        return await self._call(
            "originate",
            lambda: self._ami.originate(
                channel, exten=exten, context=context, callerid=callerid, timeout_ms=timeout_ms
            ),
        )

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
        """Originate into an application (see ``Asterisk.originate_application``)."""
        return await self._call(
            "originate",
            lambda: self._ami.originate(
                channel,
                application=application,
                data=data,
                callerid=callerid,
                timeout_ms=timeout_ms,
                variables=variables,
            ),
        )

    async def _call(self, label: str, start: Callable[[], Deferred[Message]]) -> Message:
        if not self._ami.connected:
            raise CommandError("ami_not_connected")
        try:
            return await start()
        except AMINotConnected:
            raise CommandError("ami_not_connected") from None
        except AMIActionRefused:
            raise CommandError("refused") from None
        except (AMIActionTimeout, AMIConnectionLost):
            raise CommandError("ami_timeout") from None
        except AMIActionError as e:
            raise CommandError(f"{label}_failed:{e.message.get('Message', '')}") from None
