"""A subscription's messages reach its handler a few per reactor turn, in order; the
socket stops being read while too many wait, and is read again once they are handled; a
failing handler is logged and the next message still handled; the pump ends with its
queue."""

from __future__ import annotations

from types import SimpleNamespace

from pika.adapters.twisted_connection import ClosableDeferredQueue
from twisted.internet.defer import ensureDeferred
from twisted.logger import globalLogPublisher

from xivo_cti.bus._pump import pump


class Turns:
    """A reactor's timers, turn by turn: a call made during a turn runs at the next."""

    def __init__(self) -> None:
        self._due: list[SimpleNamespace] = []

    def callLater(self, delay: float, f, *args, **kwargs) -> SimpleNamespace:
        call = SimpleNamespace(run=lambda: f(*args, **kwargs), cancel=lambda: None)
        self._due.append(call)
        return call

    def turn(self) -> None:
        due, self._due = self._due, []
        for call in due:
            call.run()


class Transport:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")


def _message(n: int) -> SimpleNamespace:
    return SimpleNamespace(method=SimpleNamespace(routing_key=f"k{n}"), body=b"%d" % n)


def test_a_few_per_turn_and_no_reading_while_too_many_wait() -> None:
    queue, clock, transport = ClosableDeferredQueue(), Turns(), Transport()
    got: list[str] = []
    done = ensureDeferred(pump(queue, lambda key, body: got.append(key), transport, clock,
                               per_turn=4, max_waiting=5))  # fmt: skip
    for n in range(20):  # one read of the socket: parsed while the pump handles them
        queue.put(_message(n))
    assert got == [f"k{n}" for n in range(4)] and transport.calls == []
    clock.turn()  # 12 wait after this turn: more than 5
    assert len(got) == 8 and transport.calls == ["pause"]
    for _ in range(3):
        clock.turn()
    assert got == [f"k{n}" for n in range(20)] and transport.calls == ["pause"]
    clock.turn()  # none waits: the socket is read again
    assert transport.calls == ["pause", "resume"]
    queue.put(_message(20))
    assert got[-1] == "k20" and transport.calls == ["pause", "resume"]
    queue.close(RuntimeError("closed"))
    clock.turn()
    assert done.called and done.result is None


def test_a_failing_handler_is_logged_and_the_next_message_handled() -> None:
    queue, clock = ClosableDeferredQueue(), Turns()
    got: list[bytes] = []

    def handler(key: str, body: bytes) -> None:
        if key == "k0":
            raise ValueError("bad")
        got.append(body)

    logged: list[dict] = []
    globalLogPublisher.addObserver(logged.append)
    try:
        ensureDeferred(pump(queue, handler, Transport(), clock))
        queue.put(_message(0))
        queue.put(_message(1))
    finally:
        globalLogPublisher.removeObserver(logged.append)
    assert got == [b"1"]
    assert [e["key"] for e in logged if "log_failure" in e] == ["k0"]
