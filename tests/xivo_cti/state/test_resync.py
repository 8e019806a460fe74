"""resync(): list actions sent, state rebuilt, failures retried or left stale."""

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from tests.xivo_cti.state.events import RecordingState, event, snapshot
from xivo_cti.ami._errors import (
    AMIActionError,
    AMIActionTimeout,
    AMIConnectionLost,
)
from xivo_cti.ami._message import Message
from xivo_cti.state import resync
from xivo_cti.state._changes import Resynced

OK = Message.of(Response="Success", EventList="start")


class FakeAMI:
    """Answers send_action_list from prepared results (lists, exceptions or Deferreds)."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def send_action_list(self, action: str) -> Deferred:
        self.sent.append(action)
        answer = self.answers.get(action, [])
        if isinstance(answer, Deferred):
            return answer
        if isinstance(answer, Exception):
            return fail(answer)
        return succeed((OK, answer))


def answers() -> dict:
    return {
        "CoreShowChannels": [event("CoreShowChannel", snapshot("1.1"), Duration="0:0:1")],
        "DeviceStateList": [event("DeviceStateChange", Device="PJSIP/a", State="INUSE")],
        "ExtensionStateList": [
            event("ExtensionStatus", Exten="1", Context="h", Hint="PJSIP/a", Status="1")
        ],
        "QueueStatus": [event("QueueParams", Queue="q", Strategy="ringall")],
        "Agents": [event("Agents", Agent="7", Name="Al", Status="AGENT_LOGGEDOFF")],
    }


def test_resync_sends_lists_and_rebuilds():
    """All five list actions are sent and their events make the new state."""
    ami, state = FakeAMI(answers()), RecordingState()
    changes = state.told
    result: list = []
    resync(ami, state, state.told.extend).addCallback(result.append)
    assert result == [True]
    assert sorted(ami.sent) == sorted(
        ["CoreShowChannels", "DeviceStateList", "ExtensionStateList", "QueueStatus", "Agents"]
    )
    assert "1.1" in state.channels and state.devices["PJSIP/a"] == "INUSE"
    assert state.hints[("1", "h")].status == 1 and "q" in state.queues and "7" in state.agents
    assert changes[-1] == Resynced() and not state.stale


def test_missing_queue_module_means_no_queues():
    """QueueStatus/Agents answered with an error are taken as empty."""
    replies = answers()
    refused = AMIActionError(Message.of(Response="Error", Message="Invalid/unknown command"))
    replies["QueueStatus"] = replies["Agents"] = refused
    state = RecordingState()
    result: list = []
    resync(FakeAMI(replies), state, state.told.extend).addCallback(result.append)
    assert result == [True] and state.queues == {} and "1.1" in state.channels


def test_events_during_resync_not_lost():
    """An event arriving while the lists are pending survives the rebuild."""
    replies = answers()
    pending: Deferred = Deferred()
    replies["CoreShowChannels"] = pending
    state = RecordingState()
    result: list = []
    resync(FakeAMI(replies), state, state.told.extend).addCallback(result.append)
    state.apply(event("Hangup", snapshot("1.1")))
    state.apply(event("Newchannel", snapshot("2.1")))
    pending.callback((OK, [event("CoreShowChannel", snapshot("1.1"), Duration="0:0:3")]))
    assert result == [True]
    assert list(state.channels) == ["2.1"]


def test_timeout_retried_with_clock():
    """A timed-out action is retried after a delay; the old state stays, marked stale."""
    replies = answers()
    replies["DeviceStateList"] = AMIActionTimeout("DeviceStateList")
    ami, state, clock = FakeAMI(replies), RecordingState(), Clock()
    state.apply(event("Newchannel", snapshot("9.9")))
    result: list = []
    resync(ami, state, state.told.extend, clock=clock, retry_delays=(1.0,)).addCallback(
        result.append
    )
    assert result == [] and state.stale and "9.9" in state.channels
    replies["DeviceStateList"] = []
    clock.advance(1.0)
    assert result == [True] and list(state.channels) == ["1.1"]
    assert ami.sent.count("CoreShowChannels") == 2


def test_connection_lost_not_retried():
    """A lost connection ends the resync (the next connection resyncs), state stale."""
    replies = answers()
    replies["CoreShowChannels"] = AMIConnectionLost("gone")
    ami, state, clock = FakeAMI(replies), RecordingState(), Clock()
    result: list = []
    resync(ami, state, state.told.extend, clock=clock).addCallback(result.append)
    clock.advance(100)
    assert result == [False] and state.stale and ami.sent.count("CoreShowChannels") == 1


def test_failure_without_clock_gives_up():
    """Without a clock a failed resync gives up at once, returning False."""
    replies = answers()
    replies["ExtensionStateList"] = AMIActionTimeout("x")
    state = RecordingState()
    result: list = []
    resync(FakeAMI(replies), state, state.told.extend).addCallback(result.append)
    assert result == [False]
