"""Tests of availstate and featuresput."""

from __future__ import annotations

from tests.xivo_cti.cti.conftest import Rig
from xivo_cti.cti.config import CTIConfig, PresenceConfig


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
    assert [a[1]["Key"] for a in rig.ami.actions] == ["enableunc", "destunc"]
    assert rig.ctx.book.status("bob")["destunc"] == "2001"


def test_unknown_availstate_refused(rig: Rig) -> None:
    """An availstate outside the known presences is refused."""
    client = rig.logged_in("bob")
    client.send(**{"class": "availstate", "availstate": "asleep"})
    assert client.received()[-1]["error_string"] == "unknown_availstate"


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
