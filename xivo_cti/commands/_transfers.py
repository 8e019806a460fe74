"""Attended transfers started by users, and how one ends (pure).

Asterisk's ``CancelAtxfer`` answers success even when no transfer is going on, and a
``Hangup`` of the transferer completes a consultation but ends a plain call: so an end
is planned only while the consultation is really going on, the transferer in another
bridge than the transferee (whom Asterisk holds in the original bridge).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xivo_cti._errors import CommandError
from xivo_cti.state import Channel

__all__ = ["Action", "AttendedTransfers", "Transfer", "plan_transfer_end"]

Action = tuple[str, dict[str, str]]
"""An AMI action and its headers."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """An attended transfer asked by a user: both channels by uniqueid."""

    transferer: str
    transferee: str


class AttendedTransfers:
    """The attended transfer each user started, until completed, cancelled or gone."""

    def __init__(self) -> None:
        self._by_login: dict[str, Transfer] = {}

    def started(self, login: str, transfer: Transfer) -> None:
        """``login`` asked Asterisk for an attended transfer."""
        self._by_login[login] = transfer

    def pop(self, login: str) -> Transfer | None:
        """The transfer of ``login``, forgotten."""
        return self._by_login.pop(login, None)

    def get(self, login: str) -> Transfer | None:
        """The transfer of ``login``, if any."""
        return self._by_login.get(login)


def plan_transfer_end(
    channels: Mapping[str, Channel], transfer: Transfer | None, *, complete: bool
) -> Action:
    """The action that completes (or cancels) a consultation that is going on."""
    if transfer is None:
        raise CommandError("no_transfer")
    transferer = channels.get(transfer.transferer)
    transferee = channels.get(transfer.transferee)
    if (
        transferer is None
        or transferee is None
        or not transferer.bridge_id
        or transferer.bridge_id == transferee.bridge_id
    ):
        raise CommandError("no_transfer")
    return ("Hangup" if complete else "CancelAtxfer", {"Channel": transferer.name})
