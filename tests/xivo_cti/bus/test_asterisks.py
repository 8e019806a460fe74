"""A node's Asterisk per ipbx: the local one while the ipbx is held here, the holder's over
the bus while it is known and held elsewhere, none for an unknown ipbx."""

from __future__ import annotations

import pytest
from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from xivo_cti.bus._asterisks import Asterisks
from xivo_cti.bus._commands import RemoteAsterisk, RemoteCommands
from xivo_cti.commands import LocalAsterisk


def test_local_while_held_remote_while_known_none_else() -> None:
    local = LocalAsterisk(None)  # type: ignore[arg-type]
    held: set[str] = {"a"}
    up = {"connected": True}
    commands = RemoteCommands("node-1", lambda key, body: succeed(None), Clock())
    asterisks = Asterisks(
        {"a": local}, held, ("a", "b"), commands,
        connected=lambda: up["connected"], answering=lambda ipbx: ipbx == "b",
    )  # fmt: skip
    assert asterisks["a"] is local
    remote = asterisks["b"]
    assert isinstance(remote, RemoteAsterisk) and asterisks["b"] is remote
    assert remote.connected
    up["connected"] = False
    assert not remote.connected
    held.discard("a")
    assert isinstance(asterisks["a"], RemoteAsterisk)
    with pytest.raises(KeyError):
        asterisks["c"]
    assert list(asterisks) == ["a", "b"] and len(asterisks) == 2
