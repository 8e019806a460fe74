"""Live telephony state of xivo-ctid: a model fed by AMI events, resynced on connect."""

from xivo_cti.state.live import LiveState
from xivo_cti.state.resync import resync

__all__ = ["LiveState", "resync"]
