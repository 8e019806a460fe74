"""Tests of ipbxcommand handlers: what reaches AMI, and what never does."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami._errors import AMIActionError, AMINotConnected
from xivo_cti.ami._message import Message


def command(client, **body) -> dict:
    client.send(**{"class": "ipbxcommand", "commandid": 7, **body})
    return client.received()[-1]


def test_dial_originates_from_the_users_line(rig: Rig) -> None:
    """dial sends Originate from the user's line to exten@context and replies dial_success."""
    client = rig.logged_in("bob")
    reply = command(client, command="dial", destination="exten:xivo/1202")
    assert reply == {**reply, "class": "dial_success", "exten": "1202", "replyid": 7}
    action, headers = rig.ami.actions[-1]
    assert action == "Originate" and headers["Channel"] == "PJSIP/bob"
    assert headers["exten"] == "1202" and headers["context"] == "default"


def test_dial_to_a_user_uses_its_extension(rig: Rig) -> None:
    """A user:xivo/<id> destination dials that user's extension."""
    client = rig.logged_in("bob")
    assert command(client, command="dial", destination="user:xivo/1")["exten"] == "2001"


def test_injection_never_reaches_ami(rig: Rig) -> None:
    """A destination with CR/LF or non-dial characters is refused before AMI."""
    client = rig.logged_in("alice")
    reply = command(client, command="dial", destination="exten:xivo/100\r\nAction: Command")
    assert reply["error_string"].startswith("unreachable_extension:")
    assert "\r" not in reply["error_string"]
    assert command(client, command="dial", destination="user:xivo/99")["error_string"] == (
        "unknown_destination"
    )
    assert rig.ami.actions == []


def test_ami_errors_become_error_strings(rig: Rig) -> None:
    """AMI not connected or an AMI error answer become clear error_strings."""
    client = rig.logged_in("bob")
    rig.ami.failure = AMIActionError(Message.of(Response="Error", Message="No such channel"))
    assert command(client, command="dial", destination="1")["error_string"] == (
        "originate_failed:No such channel"
    )
    rig.ami.failure = AMINotConnected()
    assert command(client, command="dial", destination="1")["error_string"] == "ami_not_connected"
    rig.ami.connected = False
    count = len(rig.ami.actions)
    assert command(client, command="dial", destination="1")["error_string"] == "ami_not_connected"
    assert len(rig.ami.actions) == count


def test_hangup_own_channel_but_not_others(rig: Rig) -> None:
    """An agent hangs up its own channel; another user's channel is forbidden."""
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001")
    new_channel(rig.feed, "1.2", "PJSIP/alice-00000002")
    client = rig.logged_in("bob")
    assert command(client, command="hangup", channelids="chan:xivo/1.2")["error_string"] == (
        "forbidden"
    )
    assert rig.ami.actions == []
    command(client, command="hangup", channelids="chan:xivo/1.1")
    assert rig.ami.actions == [("Hangup", {"Channel": "PJSIP/bob-00000001"})]


def test_supervisor_hangs_up_anyone(rig: Rig) -> None:
    """A supervisor may hang up a channel that is not its own."""
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001")
    client = rig.logged_in("alice")
    command(client, command="hangup", channel="PJSIP/bob-00000001")
    assert rig.ami.actions == [("Hangup", {"Channel": "PJSIP/bob-00000001"})]


def test_unknown_channel_is_refused(rig: Rig) -> None:
    """Hanging up a channel that does not exist is refused before AMI."""
    client = rig.logged_in("alice")
    assert command(client, command="hangup", channel="PJSIP/x")["error_string"] == (
        "unknown_channel"
    )
    assert rig.ami.actions == []


def test_transfer_peer_of_own_call(rig: Rig) -> None:
    """transfer redirects the other party of one's own call; atxfer needs one's own channel."""
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001", linkedid="L")
    new_channel(rig.feed, "1.2", "PJSIP/trunk-00000002", linkedid="L")
    client = rig.logged_in("bob")
    command(client, command="transfer", source="chan:xivo/1.2", destination="exten:xivo/2003")
    assert rig.ami.actions[-1] == (
        "Redirect",
        {"Channel": "PJSIP/trunk-00000002", "Exten": "2003", "Context": "default", "Priority": "1"},
    )
    assert command(client, command="atxfer", source="1.2", destination="2003")["error_string"] == (
        "forbidden"
    )
    command(client, command="atxfer", source="1.1", destination="2003")
    assert rig.ami.actions[-1][0] == "Atxfer"


def test_profile_limits_commands(rig: Rig) -> None:
    """A command outside the profile is forbidden; an unknown one is unknown_command."""
    client = rig.logged_in("carol")
    assert command(client, command="queuepause")["error_string"] == "forbidden"
    assert command(client, command="selfdestruct")["error_string"] == "unknown_command"
    assert rig.ami.actions == []


def test_queue_pause_own_interface_only(rig: Rig) -> None:
    """An agent pauses itself; pausing another member is forbidden, unknown queues refused."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support"))
    client = rig.logged_in("bob")
    command(client, command="queuepause", queue="queue:xivo/support")
    assert rig.ami.actions[-1] == (
        "QueuePause",
        {"Interface": "PJSIP/bob", "Queue": "support", "Paused": "true"},
    )
    assert command(client, command="queuepause", member="user:xivo/1")["error_string"] == (
        "forbidden"
    )
    assert command(client, command="queueunpause", queue="nope")["error_string"] == "unknown_queue"


def test_supervisor_adds_member(rig: Rig) -> None:
    """A supervisor adds another user's line to a queue with QueueAdd."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support"))
    client = rig.logged_in("alice")
    command(client, command="queueadd", member="user:xivo/2", queue="support")
    assert rig.ami.actions[-1] == ("QueueAdd", {"Interface": "PJSIP/bob", "Queue": "support"})


def test_an_agent_pauses_its_agent_in_all_queues(rig: Rig) -> None:
    """The identity panel's pause: member agent:xivo/7, queue queue:xivo/all -> QueuePause
    of Agent/7 without a queue; another agent is forbidden, an unknown one refused."""
    rig.feed.event(Message.of(Event="Agents", Agent="7", Status="AGENT_IDLE"))
    rig.feed.event(Message.of(Event="Agents", Agent="8", Status="AGENT_IDLE"))
    client = rig.logged_in("bob")
    for verb, paused in (("queuepause", "true"), ("queueunpause", "false")):
        reply = command(client, command=verb, member="agent:xivo/7", queue="queue:xivo/all")
        assert "error_string" not in reply, reply
        assert rig.ami.actions[-1] == ("QueuePause", {"Interface": "Agent/7", "Paused": paused})
    count = len(rig.ami.actions)
    reply = command(client, command="queuepause", member="agent:xivo/8", queue="queue:xivo/all")
    assert reply["error_string"] == "forbidden"
    reply = command(client, command="queuepause", member="agent:xivo/9", queue="queue:xivo/all")
    assert reply["error_string"] == "unknown_member"
    assert len(rig.ami.actions) == count


def test_all_queues_is_only_for_pause(rig: Rig) -> None:
    """queueadd/queueremove need a real queue: queue:xivo/all is unknown_queue there."""
    client = rig.logged_in("alice")
    reply = command(client, command="queueadd", member="user:xivo/2", queue="queue:xivo/all")
    assert reply["error_string"] == "unknown_queue" and rig.ami.actions == []


def test_commands_reach_the_asterisk_of_the_channel_or_user() -> None:
    """With two ipbx, a channel named ``chan:b/...`` is b's and its hangup goes to b's AMI
    only; a plain one is looked for in the user's own ipbx, then the others; dave (of b)
    dials through b."""
    rig = Rig(ipbx_b=True)
    new_channel(rig.feed, "b-1.1", "PJSIP/dave-00000001", ipbx="b")
    new_channel(rig.feed, "b-1.2", "PJSIP/dave-00000002", ipbx="b")
    alice = rig.logged_in("alice")
    assert "error_string" not in command(alice, command="hangup", channelids="b-1.2")
    assert rig.ami_b.actions.pop() == ("Hangup", {"Channel": "PJSIP/dave-00000002"})
    assert command(alice, command="hangup", channelids="chan:xivo/b-1.1")["error_string"] == (
        "unknown_channel"
    )
    assert command(alice, command="hangup", channelids="chan:nowhere/b-1.1")["error_string"] == (
        "unknown_ipbx"
    )
    assert "error_string" not in command(alice, command="hangup", channelids="chan:b/b-1.1")
    assert (rig.ami.actions, rig.ami_b.actions) == (
        [], [("Hangup", {"Channel": "PJSIP/dave-00000001"})]
    )  # fmt: skip
    dave = rig.logged_in("dave")
    assert "error_string" not in command(dave, command="hangup", channelids="b-1.1")
    command(dave, command="dial", destination="1202")
    assert rig.ami_b.actions[-1][0] == "Originate" and rig.ami.actions == []


def test_a_user_acts_on_its_own_ipbx_only() -> None:
    """A line of the same name on another ipbx is not the user's: bob (of the default
    ipbx) may not hang up a PJSIP/bob channel of b, nor pause dave's agent 7 there."""
    rig = Rig(ipbx_b=True)
    new_channel(rig.feed, "b-1.1", "PJSIP/bob-00000001", ipbx="b")
    rig.state_b.apply(Message.of(Event="Agents", Agent="7", Name="Dave", Status="AGENT_IDLE"))
    bob = rig.logged_in("bob")
    assert command(bob, command="hangup", channelids="chan:b/b-1.1")["error_string"] == (
        "forbidden"
    )
    reply = command(bob, command="queuepause", member="agent:b/7", queue="queue:b/all")
    assert reply["error_string"] == "forbidden"
    assert rig.ami_b.actions == [] and rig.ami.actions == []
