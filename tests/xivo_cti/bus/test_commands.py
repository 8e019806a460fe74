"""Commands on an ipbx another node holds: request, reply, deadline, what a holder runs."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from tests.xivo_cti.conftest import FakeAMI
from xivo_cti._errors import CommandError
from xivo_cti.ami import AMIActionError, Message
from xivo_cti.bus import CommandReply, CommandRequest, decode
from xivo_cti.bus._commands import CommandServer, RemoteAsterisk, RemoteCommands
from xivo_cti.commands import LocalAsterisk


class Link:
    """The requester and the holder, and what went between them."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.requests: list[CommandRequest] = []
        self.replies: list[tuple[str, CommandReply]] = []
        self.commands = RemoteCommands("node-r", self.publish_request, self.clock)
        self.answering = True
        self.remote = RemoteAsterisk("paris", self.commands, lambda: True, lambda: self.answering)
        self.ami = FakeAMI()
        self.ran: list[tuple[str, dict[str, str]]] = []
        told = lambda action, headers: self.ran.append((action, headers))  # noqa: E731
        self.server = CommandServer(LocalAsterisk(self.ami), self.publish_reply, self.clock, told)

    def publish_request(self, key: str, body: bytes):
        assert key == "ipbx.paris.command"
        self.requests.append(decode(body))  # type: ignore[arg-type]
        return succeed(None)

    def publish_reply(self, key: str, body: bytes):
        self.replies.append((key, decode(body)))  # type: ignore[arg-type]
        return succeed(None)

    def remote_send(self, action: str, headers: dict[str, str]) -> Deferred:
        return send(self.remote, action, headers)

    def serve(self) -> None:
        """The holder runs every request, its replies reach the requester."""
        for request in self.requests:
            self.server.requested(request)
        self.requests.clear()
        for _key, reply in self.replies:
            self.commands.reply_received(reply)
        self.replies.clear()


def send(remote: RemoteAsterisk, action: str, headers: dict[str, str]) -> Deferred:
    return Deferred.fromCoroutine(remote.send(action, headers))


def outcome(d):
    results: list = []
    d.addBoth(results.append)
    return results


def test_an_action_runs_on_the_holder_and_its_response_comes_back() -> None:
    """send() travels as a command, runs on the holder's AMI, and returns its response."""
    link = Link()
    results = outcome(link.remote_send("Hangup", {"Channel": "PJSIP/a-1"}))
    assert link.requests[0].reply_to == "node-r"
    link.serve()
    assert link.ami.actions == [("Hangup", {"Channel": "PJSIP/a-1"})]
    assert results[0].get("Response") == "Success"
    assert link.ran == [("Hangup", {"Channel": "PJSIP/a-1"})]


def test_the_holders_error_is_the_clients_error() -> None:
    """An AMI error on the holder reaches the requester as the same error string."""
    link = Link()
    link.ami.failure = AMIActionError(Message.of(Response="Error", Message="No such channel"))
    results = outcome(link.remote_send("Hangup", {"Channel": "PJSIP/a-1"}))
    link.serve()
    assert results[0].value.error_string == "hangup_failed:No such channel"
    assert link.ran == []  # only what Asterisk accepted is told


def test_originate_keeps_its_arguments_and_rings_longer() -> None:
    """An Originate is rebuilt on the holder from its headers; its deadline adds the ring
    time."""
    link = Link()
    d = link.remote.originate("PJSIP/a", exten="1202", context="default", callerid='"A" <1>',
                              timeout_ms=30000)  # fmt: skip
    results = outcome(Deferred.fromCoroutine(d))
    assert link.requests[0].deadline == pytest.approx(35.0)
    link.serve()
    action, headers = link.ami.actions[0]
    assert action == "Originate" and headers["exten"] == "1202" and headers["timeout_ms"] == "30000"
    assert results[0].get("Response") == "Success"
    d = link.remote.originate_application("PJSIP/a", application="PickupChan", data="x",
                                          callerid="<7>", timeout_ms=1000,
                                          variables={"_XIVO_AUTOANSWER": "1"})  # fmt: skip
    outcome(Deferred.fromCoroutine(d))
    link.serve()
    action, headers = link.ami.actions[1]
    assert (headers["application"], headers["data"]) == ("PickupChan", "x")
    assert headers["variables"] == str({"_XIVO_AUTOANSWER": "1"})


def test_no_reply_by_the_deadline_is_a_clear_error() -> None:
    """Nobody answers: after the deadline the command fails with ipbx_not_answering; a
    late reply is dropped."""
    link = Link()
    results = outcome(link.remote_send("Hangup", {"Channel": "PJSIP/a-1"}))
    late = link.requests[0]
    link.clock.advance(5.0)
    assert results[0].value.error_string == "ipbx_not_answering:paris"
    link.commands.reply_received(CommandReply(id=late.id, ok=True, headers={}, error=""))


def test_no_holder_heard_of_is_a_clear_error_at_once() -> None:
    """An ipbx known to have no holder (nothing heard from it lately): the command fails
    at once with ipbx_not_answering, and nothing is sent."""
    link = Link()
    link.answering = False
    results = outcome(link.remote_send("Hangup", {"Channel": "PJSIP/a-1"}))
    assert results[0].value.error_string == "ipbx_not_answering:paris"
    assert link.requests == []


def test_the_holder_runs_only_command_actions_in_time() -> None:
    """An action CTI commands never send is refused; a request past its deadline is not
    run at all."""
    link = Link()
    request = CommandRequest(ipbx="paris", id="x.1", reply_to="node-r", deadline=10.0,
                             action="Command", headers={"Command": "core stop now"})  # fmt: skip
    link.server.requested(request)
    assert link.replies[-1][1].error == "refused" and link.ami.actions == []
    link.clock.advance(11.0)
    link.server.requested(
        CommandRequest(
            ipbx="paris",
            id="x.2",
            reply_to="node-r",
            deadline=10.0,
            action="Hangup",
            headers={"Channel": "PJSIP/a-1"},
        )  # fmt: skip
    )
    assert link.ami.actions == [] and len(link.replies) == 1
    assert link.replies[0][0] == "node.node-r"


def test_without_the_bus_nothing_is_sent() -> None:
    """A node cut from the bus answers bus_not_connected at once."""
    link = Link()
    remote = RemoteAsterisk("paris", link.commands, lambda: False, lambda: True)
    results = outcome(send(remote, "Hangup", {"Channel": "PJSIP/a-1"}))
    assert isinstance(results[0].value, CommandError) and link.requests == []
    assert results[0].value.error_string == "bus_not_connected"
