"""The AMI exception tree: what the peer did wrong, what we refused, what an action got."""

from __future__ import annotations

from xivo_cti.ami._message import Message

__all__ = [
    "AMIActionError",
    "AMIActionRefused",
    "AMIActionTimeout",
    "AMIAuthenticationError",
    "AMIConnectionLost",
    "AMIError",
    "AMIListOverflow",
    "AMINotConnected",
    "AMIProtocolError",
]


class AMIError(Exception):
    """Base class of every AMI error."""


class AMIProtocolError(AMIError):
    """Asterisk (or whatever answered) sent something that is not valid AMI."""


class AMIListOverflow(AMIProtocolError):
    """A list reply went over its cap of items or bytes: the action fails, the link resets."""


class AMIActionRefused(AMIError, ValueError):
    """An action was refused before anything was sent (CR/LF, too long, too many headers)."""


class AMIActionError(AMIError):
    """Asterisk answered an action with ``Response: Error`` (or an Originate failed)."""

    def __init__(self, message: Message) -> None:
        self.message = message
        action_id = message.action_id
        super().__init__(f"{message.get('Message') or message.response} (ActionID {action_id})")


class AMIAuthenticationError(AMIError):
    """Login refused; the text names the user, never the secret."""


class AMIActionTimeout(AMIError):
    """No answer to an action within its timeout."""


class AMIConnectionLost(AMIError):
    """The connection closed while the action was pending."""


class AMINotConnected(AMIError):
    """No logged-in AMI connection at the moment."""
