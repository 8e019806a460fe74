"""Tests of availstate and featuresput (xivo_cti.commands._features)."""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.xivo_cti.conftest import FakeAMI, Rig
from xivo_cti.ami._errors import AMIActionError
from xivo_cti.ami._message import Message
from xivo_cti.cti._config import CTIConfig, PresenceConfig


def test_dnd_goes_to_astdb_and_status(rig: Rig) -> None:
    """enablednd writes the AstDB key and shows in the user's status."""
    client = rig.logged_in("bob")
    client.send(**{"class": "featuresput", "function": "enablednd", "value": True, "commandid": 8})
    assert client.received()[-1]["status"] == "OK"
    assert rig.ami.actions == [
        ("DBPut", {"Family": "xivo-features/2002", "Key": "enablednd", "Val": "1"})
    ]
    assert rig.ctx.book.status("bob")["enablednd"] is True


def test_forward_destination_is_checked(rig: Rig) -> None:
    """A forward to a bad destination is refused before AMI; a good one is stored."""
    client = rig.logged_in("bob")
    client.send(
        **{
            "class": "featuresput",
            "function": "fwd",
            "value": {"enableunc": True, "destunc": "1\n2"},
        }
    )
    assert client.received()[-1]["error_string"].startswith("unreachable_extension")
    assert rig.ami.actions == []
    client.send(
        **{
            "class": "featuresput",
            "function": "fwd",
            "value": {"enableunc": True, "destunc": "2001"},
        }
    )
    assert [a[1]["Key"] for a in rig.ami.actions] == ["destunc", "enableunc"]
    assert rig.ctx.book.status("bob")["destunc"] == "2001"


def test_unknown_availstate_refused(rig: Rig) -> None:
    """An availstate outside the known presences is refused."""
    client = rig.logged_in("bob")
    client.send(**{"class": "availstate", "availstate": "asleep"})
    assert client.received()[-1]["error_string"] == "unknown_availstate"


def test_forward_with_a_trailing_newline_is_refused_before_any_action(rig: Rig) -> None:
    """A destination ending in a newline is refused whole: no DBPut at all (issue 12, 6)."""
    client = rig.logged_in("bob")
    value = {"enableunc": True, "destunc": "1234\n"}
    client.send(**{"class": "featuresput", "function": "fwd", "value": value})
    assert client.received()[-1]["error_string"].startswith("unreachable_extension")
    assert rig.ami.actions == []
    assert rig.ctx.book.status("bob")["enableunc"] is False


class FailingAt(FakeAMI):
    """Answers Success to the first ``good`` actions, then an Error."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    def send_action(self, action: str, headers: Any) -> defer.Deferred:
        if len(self.actions) >= self.good:
            self.failure = AMIActionError(Message.of(Response="Error", Message="no"))
        return super().send_action(action, headers)


def test_a_failure_half_way_never_turns_a_forward_on_without_its_destination() -> None:
    """Destinations are written before the switches: when Asterisk refuses the switch, the
    destination it accepted is shown and the forward stays off."""
    rig = Rig()
    rig.ami.__class__ = FailingAt
    rig.ami.good = 1
    client = rig.logged_in("bob")
    value = {"enableunc": True, "destunc": "2001"}
    client.send(**{"class": "featuresput", "function": "fwd", "value": value})
    assert client.received()[-1]["error_string"] == "dbput_failed:no"
    assert [a[1]["Key"] for a in rig.ami.actions] == ["destunc", "enableunc"]
    status = rig.ctx.book.status("bob")
    assert status["destunc"] == "2001" and status["enableunc"] is False


def test_availstate_follows_the_allowed_transitions() -> None:
    """A presence the current one does not allow is refused and changes nothing;
    disconnected and non-strings are never accepted; the same presence is always fine."""
    presences = {
        "available": PresenceConfig("Available", "#00FF00", ("available", "busy")),
        "busy": PresenceConfig("Busy", "#FF0000", ("available",)),
        "away": PresenceConfig("Away", "#FFFF00", ()),
        "disconnected": PresenceConfig("Off", "#000000", ()),
    }
    rig = Rig(CTIConfig(presences=presences))
    client = rig.logged_in("bob")
    for refused in ("disconnected", ["busy"], None):
        client.send(**{"class": "availstate", "availstate": refused})
        assert client.received()[-1]["error_string"] == "unknown_availstate"
    client.send(**{"class": "availstate", "availstate": "away"})
    assert client.received()[-1]["error_string"] == "availstate_not_allowed:available"
    assert rig.ctx.book.status("bob")["availstate"] == "available"
    for presence in ("busy", "busy", "available"):
        client.send(**{"class": "availstate", "availstate": presence, "ipbxid": "xivo"})
        (reply,) = [m for m in client.received() if m["class"] == "availstate"]
        assert "error_string" not in reply and reply["availstate"] == presence
        assert rig.ctx.book.status("bob")["availstate"] == presence


def test_call_filter_goes_to_astdb_and_config(rig: Rig) -> None:
    """incallfilter is stored like DND and shown in the users config; a non-bool is refused."""
    client = rig.logged_in("bob")
    client.send(**{"class": "featuresput", "function": "incallfilter", "value": "1",
                   "commandid": 8})  # fmt: skip
    assert client.received()[-1]["error_string"] == "invalid_value"
    client.send(**{"class": "featuresput", "function": "incallfilter", "value": True,
                   "commandid": 9})  # fmt: skip
    assert client.received()[-1]["status"] == "OK"
    assert rig.ami.actions == [
        ("DBPut", {"Family": "xivo-features/2002", "Key": "incallfilter", "Val": "1"})
    ]
    assert rig.ctx.commands.ctx.lists.config("users", "2")["incallfilter"] is True
