"""Presence shared between nodes: told at once and every few seconds, shown where the user
has no session, forgotten with a node that went silent."""

from __future__ import annotations

from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from xivo_cti.bus import decode
from xivo_cti.bus._presence import SharedPresence
from xivo_cti.users import UserStatusBook


class Nodes:
    """Nodes a and b, their books, and a bus that delivers when told (``lost`` drops);
    ``pushed`` holds the logins each node's feed was told of by its shared presence."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.wire: list[tuple[str, bytes]] = []
        self.books = {name: UserStatusBook() for name in ("a", "b")}
        self.pushed: dict[str, list[str]] = {"a": [], "b": []}
        self.shared = {
            name: SharedPresence(
                f"node-{name}", book, self.publish, self.clock, self.pushed[name].extend
            )
            for name, book in self.books.items()
        }
        self.lost = False

    def local(self, node: str, change: str, *args: str) -> None:
        """A status change on ``node``, its logins handed on as a session or command does."""
        self.shared[node].status_changed(getattr(self.books[node], change)(*args))

    def publish(self, key: str, body: bytes):
        if not self.lost:
            self.wire.append((key, body))
        return succeed(None)

    def deliver(self) -> int:
        count = 0
        while self.wire:
            _key, body = self.wire.pop(0)
            count += 1
            for shared in self.shared.values():
                shared.received(decode(body))  # type: ignore[arg-type]
        return count

    def shown(self, node: str, login: str) -> str:
        return self.books[node].status(login)["availstate"]


def test_a_presence_set_on_one_node_shows_on_the_other() -> None:
    """Login, a presence change and the logout of alice on node a reach node b, once each
    (showing it there tells nothing back)."""
    nodes = Nodes()
    nodes.local("a", "session_opened", "alice", "available")
    assert nodes.deliver() == 1
    assert nodes.shown("b", "alice") == "available"
    assert nodes.books["b"].status("alice")["connection"] == "yes"
    assert not nodes.books["b"].online("alice")  # no session there
    nodes.local("a", "set_presence", "alice", "away")
    assert nodes.deliver() == 1 and nodes.shown("b", "alice") == "away"
    nodes.local("a", "session_closed", "alice")
    assert nodes.deliver() == 1 and nodes.shown("b", "alice") == "disconnected"
    assert nodes.pushed == {"a": [], "b": ["alice", "alice", "alice"]}


def test_a_session_here_wins_and_lists_teach_a_late_node() -> None:
    """With sessions on both nodes each shows its own; a node that missed the messages
    learns them from the next whole list."""
    nodes = Nodes()
    nodes.lost = True
    nodes.local("a", "session_opened", "alice", "away")
    nodes.local("b", "session_opened", "alice", "available")
    nodes.lost = False
    assert (nodes.shown("a", "alice"), nodes.shown("b", "alice")) == ("away", "available")
    nodes.local("b", "session_closed", "alice")
    nodes.deliver()
    assert nodes.shown("b", "alice") == "disconnected"  # a's change was lost
    nodes.shared["a"].tell_all()
    nodes.deliver()
    assert nodes.shown("b", "alice") == "away"


def test_a_silent_node_is_forgotten() -> None:
    """Node a stops telling (dead): after the expiry its users show disconnected on b."""
    nodes = Nodes()
    nodes.local("a", "session_opened", "alice", "available")
    nodes.deliver()
    nodes.lost = True
    for _ in range(3):  # b tells its whole list every 5 s, forgetting the silent
        nodes.clock.advance(5.0)
        nodes.shared["b"].tell_all()
    assert nodes.shown("b", "alice") == "available"  # 15 s: not yet
    nodes.clock.advance(5.0)
    nodes.shared["b"].tell_all()
    assert nodes.shown("b", "alice") == "disconnected"
