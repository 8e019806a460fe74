"""Tests of the five CTI lists read from the state, users and status book (views._lists)."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig
from xivo_cti.ami import Message
from xivo_cti.users import UserStatusBook
from xivo_cti.views import ListView


def test_lists_are_read_from_the_state_and_users() -> None:
    """ids, config and status come from the live state and the user table."""
    rig = Rig()
    rig.state.apply(Message.of(Event="QueueParams", Queue="support", Strategy="ringall"))
    lists = ListView({"xivo": rig.state}, rig.users, UserStatusBook(), "xivo")
    assert lists.ids("users") == ["1", "2", "3"] and lists.ids("queues") == ["support"]
    assert lists.config("queues", "support") == {
        "name": "support", "displayname": "support", "number": "", "context": "",
        "strategy": "ringall",
    }  # fmt: skip
    assert lists.config("phones", "3")["identity"] == "Custom:carol"
    assert lists.status("users", "1")["availstate"] == "disconnected"
    assert lists.status("queues", "nope") is None and lists.ids("unknown") == []
    assert "calls" not in lists.status("phones", "2")
    panel = ListView({"xivo": rig.state}, rig.users, UserStatusBook(), "xivo", calls=True)
    assert panel.status("phones", "2")["calls"] == []


def test_the_ipbx_listed_are_those_with_a_state_the_default_first() -> None:
    """A node that neither holds nor follows the default ipbx does not list it."""
    rig = Rig()
    states = {"b": rig.state, "a": rig.state}
    assert ListView(states, rig.users, UserStatusBook(), "xivo").ipbx_ids() == ["a", "b"]
    states["xivo"] = rig.state
    assert ListView(states, rig.users, UserStatusBook(), "xivo").ipbx_ids() == ["xivo", "a", "b"]
