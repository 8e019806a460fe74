"""Tests for AMIProtocol driven with StringTransport and task.Clock."""

from __future__ import annotations

from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from testing.passes import next_pass
from tests.xivo_cti.ami.conftest import BANNER, result_of
from xivo_cti.ami._errors import (
    AMIActionError,
    AMIActionRefused,
    AMIActionTimeout,
    AMIConnectionLost,
    AMIListOverflow,
)
from xivo_cti.ami._message import Message
from xivo_cti.ami._pending import ListCap
from xivo_cti.ami._protocol import AMIProtocol


def test_banner_sets_version_and_fires():
    """The banner fires banner_received with the version and sets .version."""
    transport = StringTransport()
    protocol = AMIProtocol(Clock())
    protocol.makeConnection(transport)
    protocol.dataReceived(BANNER + b"Event: FullyBooted\r\n\r\n")
    assert result_of(protocol.banner_received) == "11.0.0"
    assert protocol.version == "11.0.0"


def test_action_matched_by_action_id_with_interleaved_events(peer):
    """Responses are matched by ActionID; interleaved events go to listeners."""
    seen = []
    peer.protocol.add_event_listener(seen.append)
    d1 = peer.protocol.send_action("Ping")
    d2 = peer.protocol.send_action("Status", {"Channel": "PJSIP/1"})
    id1, id2 = (a["ActionID"][0] for a in peer.sent())
    assert id1 != id2
    peer.send("Event: Newchannel", "Channel: PJSIP/1-0001")
    peer.send("Response: Success", f"ActionID: {id2}", "Message: two")
    peer.send("Response: Success", f"ActionID: {id1}", "Ping: Pong")
    assert result_of(d1)["Ping"] == "Pong"
    assert result_of(d2)["Message"] == "two"
    assert [m.event for m in seen] == ["Newchannel"]


def test_unknown_action_id_goes_to_listeners(peer):
    """A message with an ActionID nobody waits for reaches the listeners."""
    seen = []
    peer.protocol.add_event_listener(seen.append)
    peer.send("Event: OriginateResponse", "ActionID: other")
    assert seen[0].action_id == "other"


def test_error_response_errbacks(peer):
    """Response: Error errbacks with AMIActionError holding the message."""
    d = peer.protocol.send_action("Foo")
    peer.send("Response: Error", f"ActionID: {peer.last_id()}", "Message: Invalid/unknown command")
    failure = result_of(d)
    assert failure.check(AMIActionError)
    assert failure.value.message["Message"] == "Invalid/unknown command"
    assert "Invalid/unknown command" in str(failure.value)


def test_timeout_errbacks_and_frees_action_id(peer):
    """No answer within the timeout errbacks AMIActionTimeout and forgets the ActionID."""
    seen = []
    peer.protocol.add_event_listener(seen.append)
    d = peer.protocol.send_action("Ping", timeout=2)
    action_id = peer.last_id()
    peer.clock.advance(1.9)
    assert not d.called
    peer.clock.advance(0.2)
    assert result_of(d).check(AMIActionTimeout)
    assert peer.protocol.pending_actions == 0
    peer.send("Response: Success", f"ActionID: {action_id}")
    assert len(seen) == 1  # a late answer is an ordinary message now


def test_default_timeout_is_action_timeout(peer):
    """Without a timeout argument the protocol's action_timeout applies."""
    d = peer.protocol.send_action("Ping")
    peer.clock.advance(4.9)
    assert not d.called
    peer.clock.advance(0.2)
    assert result_of(d).check(AMIActionTimeout)


def test_cancel_frees_action_id(peer):
    """Cancelling an action's Deferred forgets it and stops its timer."""
    d = peer.protocol.send_action("Ping")
    d.cancel()
    d.addErrback(lambda f: None)
    assert peer.protocol.pending_actions == 0
    assert peer.clock.getDelayedCalls() == []


def test_event_list_with_eventlist_headers(peer):
    """A list action collects its events until EventList: Complete, skipping others."""
    d = peer.protocol.send_action_list("CoreShowChannels")
    aid = peer.last_id()
    peer.send("Response: Success", f"ActionID: {aid}", "EventList: start")
    peer.send("Event: Newstate", "Channel: X")
    peer.send("Event: CoreShowChannel", f"ActionID: {aid}", "Channel: A")
    peer.send("Event: CoreShowChannel", f"ActionID: {aid}", "Channel: B")
    assert not d.called
    peer.send(
        "Event: CoreShowChannelsComplete", f"ActionID: {aid}", "EventList: Complete", "ListItems: 2"
    )
    response, items = result_of(d)
    assert response["EventList"] == "start"
    assert [m["Channel"] for m in items] == ["A", "B"]


def test_event_list_without_eventlist_headers(peer):
    """Old Asterisk: the list ends at the ...Complete event without EventList headers."""
    d = peer.protocol.send_action_list("Status")
    aid = peer.last_id()
    peer.send("Response: Success", f"ActionID: {aid}", "Message: Channel status will follow")
    peer.send("Event: Status", f"ActionID: {aid}", "Channel: A")
    peer.send("Event: StatusComplete", f"ActionID: {aid}", "Items: 1")
    _, items = result_of(d)
    assert [m.event for m in items] == ["Status"]


def test_event_list_error(peer):
    """A list action answered with Error errbacks."""
    d = peer.protocol.send_action_list("QueueStatus")
    peer.send("Response: Error", f"ActionID: {peer.last_id()}", "Message: No such queue")
    assert result_of(d).check(AMIActionError)


def test_command_new_format(peer):
    """command() returns the Output headers of Asterisk >= 14."""
    d = peer.protocol.command("core show version")
    action = peer.sent()[0]
    assert action["Command"] == ["core show version"]
    peer.send(
        "Response: Success",
        f"ActionID: {action['ActionID'][0]}",
        "Message: Command output follows",
        "Output: Asterisk 22.10.1",
        "Output: second: line",
    )
    assert result_of(d) == ["Asterisk 22.10.1", "second: line"]


def test_command_old_follows_format(peer):
    """command() returns the raw lines of the Response: Follows format."""
    d = peer.protocol.command("sip show peers")
    aid = peer.last_id()
    peer.protocol.dataReceived(
        f"Response: Follows\r\nPrivilege: Command\r\nActionID: {aid}\r\n"
        "Name/username: 100\n1 sip peers\n--END COMMAND--\r\n\r\n".encode()
    )
    assert result_of(d) == ["Name/username: 100", "1 sip peers"]


def test_command_follows_without_end_loses_no_event(peer):
    """Issue 22: output that never gets --END COMMAND-- is answered at the next message,
    and 25,000 events after it all reach the listeners."""
    seen = []
    peer.protocol.add_event_listener(seen.append)
    d = peer.protocol.command("sip show peers")
    aid = peer.last_id()
    events = b"".join(b"Event: Newchannel\r\nUniqueid: %d\r\n\r\n" % n for n in range(25_000))
    peer.protocol.dataReceived(
        f"Response: Follows\r\nPrivilege: Command\r\nActionID: {aid}\r\n"
        "Name/username: 100\n1 sip peers\r\n\r\n".encode()
        + events
    )
    while peer.clock.getDelayedCalls():
        peer.clock.advance(0)
    assert result_of(d) == ["Name/username: 100", "1 sip peers"]
    assert [m["Uniqueid"] for m in seen] == [str(n) for n in range(25_000)]
    assert not peer.transport.disconnecting


def test_crlf_in_value_refused_nothing_sent(peer):
    """A CR/LF inside a value is refused and nothing is written."""
    d = peer.protocol.send_action("Redirect", {"Exten": "100\r\nAction: Command"})
    assert result_of(d).check(AMIActionRefused)
    assert peer.transport.value() == b""
    assert peer.protocol.pending_actions == 0


def test_connection_lost_fails_pending(peer):
    """Every pending action errbacks AMIConnectionLost when the connection drops."""
    d1 = peer.protocol.send_action("Ping")
    d2 = peer.protocol.send_action_list("Status")
    peer.protocol.connectionLost(Failure(ConnectionError("gone")))
    assert result_of(d1).check(AMIConnectionLost)
    assert result_of(d2).check(AMIConnectionLost)
    assert peer.clock.getDelayedCalls() == []
    assert result_of(peer.protocol.send_action("Ping")).check(AMIConnectionLost)


def test_connection_lost_before_banner():
    """Losing the connection before the banner errbacks banner_received."""
    protocol = AMIProtocol(Clock())
    protocol.makeConnection(StringTransport())
    protocol.connectionLost(Failure(ConnectionError()))
    assert result_of(protocol.banner_received).check(AMIConnectionLost)


def test_listener_exception_isolated(peer):
    """An exception in one listener is logged; other listeners still get the event."""
    seen = []

    def broken(message: Message) -> None:
        raise RuntimeError("boom")

    peer.protocol.add_event_listener(broken)
    peer.protocol.add_event_listener(seen.append)
    peer.send("Event: Hangup")
    assert [m.event for m in seen] == ["Hangup"]


def test_listener_remover(peer):
    """The remover returned by add_event_listener stops delivery."""
    seen = []
    remove = peer.protocol.add_event_listener(seen.append)
    remove()
    remove()
    peer.send("Event: Hangup")
    assert seen == []


def test_protocol_error_aborts_connection(peer):
    """A message over the size cap closes the connection."""
    peer.protocol.dataReceived(b"Event: X\r\nA: " + b"x" * (AMIProtocol.max_message_size + 10))
    assert peer.transport.disconnecting


def test_protocol_error_is_logged_once(peer):
    """The protocol error is logged once, also when the connection then closes."""
    from twisted.logger import capturedLogs

    with capturedLogs() as events:
        data = b"Event: X\r\nA: " + b"x" * (AMIProtocol.max_message_size + 10)
        peer.protocol.dataReceived(data)
        peer.protocol.connectionLost(Failure(ConnectionDone()))
    assert len([e for e in events if "protocol error" in e.get("log_format", "")]) == 1


def test_ping_and_logoff(peer):
    """ping() and logoff() send Ping and Logoff and fire with the response."""
    d = peer.protocol.ping()
    peer.send("Response: Success", f"ActionID: {peer.last_id()}", "Ping: Pong")
    assert result_of(d)["Ping"] == "Pong"
    d = peer.protocol.logoff()
    action = peer.sent()[0]
    assert action["Action"] == ["Logoff"]
    peer.send("Response: Goodbye", f"ActionID: {action['ActionID'][0]}")
    assert result_of(d).response == "Goodbye"


def test_pending_actions_counts_unanswered_actions(peer):
    """pending_actions counts sent actions until their answer comes."""
    assert peer.protocol.pending_actions == 0
    peer.protocol.send_action("Ping")
    assert peer.protocol.pending_actions == 1
    peer.send("Response: Success", f"ActionID: {peer.last_id()}", "Ping: Pong")
    assert peer.protocol.pending_actions == 0


class Sliced:
    """A protocol with a small per-pass budget, its transport and clock, one listener."""

    def __init__(self, events_per_pass: int = 3, cls: type[AMIProtocol] = AMIProtocol) -> None:
        self.clock = Clock()
        self.transport = StringTransport()
        self.protocol = cls(self.clock, events_per_pass=events_per_pass)
        self.protocol.makeConnection(self.transport)
        self.protocol.dataReceived(BANNER)
        self.seen: list[str] = []
        self.protocol.add_event_listener(lambda m: self.seen.append(m.get("N")))

    def feed_events(self, first: int, count: int) -> None:
        data = "".join(f"Event: E\r\nN: {i}\r\n\r\n" for i in range(first, first + count))
        self.protocol.dataReceived(data.encode())


def test_one_pass_handles_at_most_events_per_pass():
    """A read of 7 events with a budget of 3 is handled over 3 passes, in order."""
    s = Sliced(3)
    s.feed_events(0, 7)
    assert s.seen == ["0", "1", "2"]
    assert s.transport.producerState == "paused"
    next_pass(s.clock)
    assert s.seen == ["0", "1", "2", "3", "4", "5"]
    assert s.transport.producerState == "paused"
    next_pass(s.clock)
    assert s.seen == [str(i) for i in range(7)]
    assert s.transport.producerState == "producing"
    assert not s.clock.getDelayedCalls()


def test_small_read_handled_at_once_without_pausing():
    """A read within the budget is handled in the same pass; reading never pauses."""
    s = Sliced(3)
    s.feed_events(0, 2)
    assert s.seen == ["0", "1"]
    assert s.transport.producerState == "producing"
    assert not s.clock.getDelayedCalls()


def test_data_arriving_while_paused_waits_its_turn():
    """Bytes delivered during a pause are queued behind the rest, order kept."""
    s = Sliced(2)
    s.feed_events(0, 3)
    s.feed_events(3, 3)  # a read already in flight when the pause began
    assert s.seen == ["0", "1"]
    next_pass(s.clock)
    assert s.seen == ["0", "1", "2", "3"]
    next_pass(s.clock)
    next_pass(s.clock)
    assert s.seen == [str(i) for i in range(6)]
    assert s.transport.producerState == "producing"


def test_action_answer_after_budget_answered_on_next_pass():
    """A response queued behind a burst of events answers its action one pass later."""
    s = Sliced(2)
    d = s.protocol.ping()
    action_id = s.transport.value().decode().split("ActionID: ")[1].split("\r\n")[0]
    s.feed_events(0, 4)
    s.protocol.dataReceived(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())
    results: list = []
    d.addBoth(results.append)
    assert not results
    next_pass(s.clock)
    next_pass(s.clock)
    assert results and results[0].response == "Success"
    assert s.protocol.pending_actions == 0


def test_connection_lost_handles_the_rest_then_fails_pending():
    """On loss, what was already read is handled, then the pending actions fail."""
    s = Sliced(2)
    d = s.protocol.ping()
    s.feed_events(0, 5)
    results: list = []
    d.addBoth(results.append)
    s.protocol.connectionLost(Failure(ConnectionDone()))
    assert s.seen == [str(i) for i in range(5)]
    assert isinstance(results[0], Failure) and results[0].check(AMIConnectionLost)
    assert not s.clock.getDelayedCalls()
    assert s.transport.producerState == "paused"


def test_protocol_error_in_a_later_slice_aborts():
    """An oversized message found in a later pass still aborts the connection."""

    class Small(AMIProtocol):
        max_message_size = 64

    s = Sliced(1, Small)
    s.feed_events(0, 2)
    s.protocol.dataReceived(b"Event: Big\r\nX: " + b"y" * 100)
    assert not s.transport.disconnecting
    next_pass(s.clock)
    next_pass(s.clock)
    assert s.seen == ["0", "1"]
    assert not s.transport.disconnecting
    next_pass(s.clock)
    assert s.transport.disconnecting


def test_loss_during_a_slice_handles_the_rest_and_schedules_nothing():
    """A listener dropping the connection mid-slice: the rest is handled, nothing scheduled."""
    s = Sliced(2)

    def drop_on_1(message: Message) -> None:
        if message.get("N") == "1":
            s.protocol.connectionLost(Failure(ConnectionDone()))

    s.protocol.add_event_listener(drop_on_1)
    s.feed_events(0, 1)
    s.feed_events(1, 5)
    assert s.seen == ["0", "1", "2", "3", "4", "5"]
    assert not s.clock.getDelayedCalls()
    s.protocol.dataReceived(b"Event: E\r\nN: 9\r\n\r\n")
    assert s.seen[-1] == "5"


def test_endless_list_reply_fails_the_action_and_resets_the_connection():
    """Issue 12, break 7: items past the cap fail the list action with a clear error, the
    connection is aborted, nothing more is read or kept, and the other actions fail."""
    transport = StringTransport()
    cap = ListCap(items=1000, size=1 << 20)
    protocol = AMIProtocol(Clock(), events_per_pass=1_000_000, list_cap=cap)
    protocol.makeConnection(transport)
    protocol.dataReceived(BANNER)
    seen = []
    protocol.add_event_listener(seen.append)
    listed = protocol.send_action_list("CoreShowChannels")
    ping = protocol.send_action("Ping")
    aid = transport.value().split(b"ActionID: ")[1].split(b"\r\n")[0].decode()
    item = f"Event: CoreShowChannel\r\nActionID: {aid}\r\nChannel: PJSIP/a-1\r\n\r\n".encode()
    start = f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
    protocol.dataReceived(start.encode())
    for _ in range(20):  # 20,000 items, far past the cap, and an event after them
        protocol.dataReceived(item * 1000)
    protocol.dataReceived(b"Event: Newchannel\r\nUniqueid: 1\r\n\r\n")
    failure = result_of(listed)
    assert failure.check(AMIListOverflow)
    assert str(failure.value) == (
        f"CoreShowChannels (ActionID {aid}): list reply over 1000 items or 1048576 bytes"
    )
    assert transport.disconnected and seen == []
    assert protocol.pending_actions == 1 and not ping.called
    protocol.connectionLost(Failure(ConnectionDone()))
    assert result_of(ping).check(AMIConnectionLost)


def test_list_of_large_items_is_capped_by_bytes():
    """A few huge items hit the byte cap long before the item cap."""
    peer_transport = StringTransport()
    protocol = AMIProtocol(Clock(), list_cap=ListCap(items=1000, size=100_000))
    protocol.makeConnection(peer_transport)
    protocol.dataReceived(BANNER)
    listed = protocol.send_action_list("DBGetTree")
    aid = peer_transport.value().split(b"ActionID: ")[1].split(b"\r\n")[0].decode()
    big = f"Event: DBGetTreeResponse\r\nActionID: {aid}\r\nVal: {'x' * 30_000}\r\n\r\n"
    protocol.dataReceived(big.encode() * 4)
    assert result_of(listed).check(AMIListOverflow)
    assert peer_transport.disconnected
