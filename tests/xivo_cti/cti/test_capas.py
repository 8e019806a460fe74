"""Tests of the login_capas answer: panels per profile, presences, phone states."""

from __future__ import annotations

from xivo_cti.cti._capas import PHONE_STATES, capaxlets, login_capas, userstatus
from xivo_cti.cti._config import DEFAULT_PRESENCES, PresenceConfig
from xivo_cti.users._model import BUILTIN_PROFILES


def names(profile: str) -> list[str]:
    return [xlet[0] for xlet in capaxlets(BUILTIN_PROFILES[profile])]


def test_everyone_gets_identity_contacts_history_services() -> None:
    """Each profile's window has identity on top, then the tabs people, history, features;
    the rest are docks."""
    for profile in BUILTIN_PROFILES:
        xlets = capaxlets(BUILTIN_PROFILES[profile])
        assert xlets[:2] == [["identity", "grid", "0"], ["tabber", "grid", "1"]]
        assert xlets[2:5] == [["people", "tab", "0"], ["history", "tab", "1"],
                              ["features", "tab", "2"]]  # fmt: skip
        assert all(x[1:] == ["dock", "fcms"] for x in xlets[5:])


def test_queue_and_agent_panels_by_profile() -> None:
    """A user has no queue panel, an agent the queue ones, a supervisor also the agents."""
    assert names("user") == ["identity", "tabber", "people", "history", "features"]
    assert names("agent")[5:] == ["queues", "queuemembers"]
    assert names("supervisor")[5:] == [
        "queues", "queuemembers", "queueentrydetails", "agents", "agentdetails",
    ]  # fmt: skip


def test_userstatus_has_longname_color_allowed() -> None:
    """Presences are given as the client reads them, with their allowed transitions."""
    status = userstatus({"available": PresenceConfig("Here", "#00FF00", ("available", "x"))})
    assert status == {
        "available": {"longname": "Here", "color": "#00FF00", "allowed": ["available", "x"]}
    }
    defaults = userstatus(DEFAULT_PRESENCES)
    assert defaults["disconnected"]["allowed"] == []
    assert "away" in defaults["available"]["allowed"]


def test_login_capas_reply_shape() -> None:
    """The reply carries the identity given, the panels, both status maps and services."""
    reply = login_capas(
        BUILTIN_PROFILES["agent"], DEFAULT_PRESENCES, userid="2", ipbxid="xivo", presence="away"
    )
    assert reply["class"] == "login_capas" and reply["appliname"] == "Agent"
    assert (reply["userid"], reply["ipbxid"], reply["presence"]) == ("2", "xivo", "away")
    capas = reply["capas"]
    assert capas["phonestatus"] is PHONE_STATES and capas["phonestatus"]["8"]["color"]
    assert capas["services"] == ["incallfilter", "enablednd", "fwdunc", "fwdrna", "fwdbusy"]
    assert capas["userstatus"]["away"]["color"] == "#FDE50A"
    assert "queuepause" in capas["ipbxcommands"] and not capas["supervisor"]
