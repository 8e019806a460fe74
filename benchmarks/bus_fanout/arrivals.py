"""When each change another node receives from the bus arrived, as AMI, at its holder.

Both nodes feed their ipbx's stream on one schedule (event ``k`` in the read of tick
``k // batch``, from the same start time), and the holder publishes, in order, each
event its live state handles.  So the ``n``-th change of an ipbx a node applies is the
``n``-th handled event of that ipbx's stream: ``Arrivals`` knows them in advance and
gives the scheduled arrival of each, after checking that the change is that event.
"""

from __future__ import annotations

from xivo_cti.ami import AMIParser, Message
from xivo_cti.state import LiveState

__all__ = ["Arrivals"]


class Arrivals:
    """The scheduled AMI arrivals, on its holder, of an ipbx's changes, in order."""

    def __init__(self, banner: bytes, events: list[bytes], batch: int, tick: float) -> None:
        parser = AMIParser()
        parser.receive_data(banner)
        next(iter(parser))
        self._expected: list[tuple[tuple[tuple[str, str], ...], float]] = []
        for k, data in enumerate(events):
            parser.receive_data(data)
            for message in parser:
                if LiveState.handles(message.event):
                    self._expected.append((message.headers, (k // batch) * tick))
        self.start = 0.0
        """When tick 0 was due (set once the run's start is known)."""
        self.matched = 0
        self.unmatched = 0

    def arrival(self, message: Message) -> float | None:
        """The scheduled arrival of the next change, if ``message`` is its event; else
        None (counted as unmatched: the run's cross-node delays are then not trusted)."""
        if self.matched < len(self._expected):
            headers, offset = self._expected[self.matched]
            if headers == message.headers:
                self.matched += 1
                return self.start + offset
        self.unmatched += 1
        return None
