"""What commands act through on a node on the bus: for each known ipbx, its local AMI
while held here, else a ``RemoteAsterisk`` that sends them to the holder."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from functools import partial

from xivo_cti.bus._commands import RemoteAsterisk, RemoteCommands
from xivo_cti.commands import Asterisk

__all__ = ["Asterisks"]


class Asterisks(Mapping[str, Asterisk]):
    """The Asterisk of each ipbx in ``known``: ``local[ipbx]`` while it is in ``held``,
    else the holder's (``connected``: the node's bus connection is up; ``answering(ipbx)``:
    its holder was heard of lately)."""

    def __init__(
        self,
        local: Mapping[str, Asterisk],
        held: Collection[str],
        known: Collection[str],
        commands: RemoteCommands,
        *,
        connected: Callable[[], bool],
        answering: Callable[[str], bool],
    ) -> None:
        self._local, self._held, self._known = local, held, known
        self._commands, self._connected, self._answering = commands, connected, answering
        self._remote: dict[str, RemoteAsterisk] = {}

    def __getitem__(self, ipbx: str) -> Asterisk:
        if ipbx in self._held:
            return self._local[ipbx]
        if ipbx not in self._known:
            raise KeyError(ipbx)
        remote = self._remote.get(ipbx)
        if remote is None:
            answering = partial(self._answering, ipbx)
            remote = RemoteAsterisk(ipbx, self._commands, self._connected, answering)
            self._remote[ipbx] = remote
        return remote

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)
