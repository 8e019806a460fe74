"""STARTTLS as the XiVO and Wazo desktop clients speak it (bytes-free negotiation state).

On connect the server offers ``{"class":"starttls"}``.  A client that wants encryption
(the desktop client's default) waits for the offer and answers
``{"class":"starttls","status":true}``; the server replies
``{"class":"starttls","starttls":true}`` as its last clear-text line and both sides start
TLS, or replies ``"starttls":false`` when it has no certificate, and the client logs in in
clear text.  A client that does not want encryption ignores the offer and logs in.

Only an answer before any other message counts: the desktop client repeats its answer
once after the upgrade, and any later ``starttls`` message is ignored without a reply
(an error reply would make the client answer again, forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["OFFER", "Negotiation", "Outcome"]

OFFER: dict[str, Any] = {"class": "starttls"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What to do with one ``starttls`` message: send ``reply`` (if any), then upgrade."""

    reply: dict[str, Any] | None
    upgrade: bool


_IGNORED = Outcome(reply=None, upgrade=False)


class Negotiation:
    """STARTTLS state of one connection; ``available`` when the server has a certificate."""

    def __init__(self, available: bool) -> None:
        self.available = available
        self.open = True

    def other_message(self) -> None:
        """A message other than ``starttls`` arrived: too late to negotiate."""
        self.open = False

    def received(self, body: dict[str, Any]) -> Outcome:
        """The client sent a ``starttls`` message."""
        if not self.open:
            return _IGNORED
        self.open = False
        upgrade = body.get("status") is True and self.available
        return Outcome(reply={"class": "starttls", "starttls": upgrade}, upgrade=upgrade)
