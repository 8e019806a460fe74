"""Delivery: messages handed to client sessions, encoded once per audience, written under
per-pass budgets.  Transports implement ``Session``."""

from xivo_cti.delivery._broadcaster import Broadcaster
from xivo_cti.delivery._session import Encoder, Session

__all__ = ["Broadcaster", "Encoder", "Session"]
