"""The bus fan-out benchmark's matching of a change from the bus with its AMI arrival."""

from benchmarks.bus_fanout.arrivals import Arrivals
from benchmarks.cti_fanout.stream import BANNER, call_events
from xivo_cti.ami import AMIParser, Message
from xivo_cti.state import LiveState


def parsed(events: list[bytes]) -> list[Message]:
    parser = AMIParser()
    parser.receive_data(BANNER + b"".join(events))
    return list(parser)[1:]


def test_each_handled_event_gets_the_scheduled_arrival_of_its_read() -> None:
    events = call_events(0, 1) + call_events(1, 2)  # 60 events, VarSets not handled
    arrivals = Arrivals(BANNER, events, batch=5, tick=0.001)
    arrivals.start = 1000.0
    handled = [(k, m) for k, m in enumerate(parsed(events)) if LiveState.handles(m.event)]
    assert 0 < len(handled) < len(events)
    for k, message in handled:
        assert arrivals.arrival(message) == 1000.0 + (k // 5) * 0.001
    assert (arrivals.matched, arrivals.unmatched) == (len(handled), 0)


def test_a_change_out_of_order_is_not_matched() -> None:
    events = call_events(0, 1)
    arrivals = Arrivals(BANNER, events, batch=1, tick=1.0)
    first, second = [m for m in parsed(events) if LiveState.handles(m.event)][:2]
    assert arrivals.arrival(second) is None
    assert arrivals.arrival(first) == 0.0
    assert (arrivals.matched, arrivals.unmatched) == (1, 1)


def test_a_change_past_the_stream_is_not_matched() -> None:
    events = call_events(0, 1)
    arrivals = Arrivals(BANNER, events, batch=1, tick=1.0)
    handled = [m for m in parsed(events) if LiveState.handles(m.event)]
    for message in handled:
        arrivals.arrival(message)
    assert arrivals.arrival(handled[0]) is None
    assert arrivals.unmatched == 1
