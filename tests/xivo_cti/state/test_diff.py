"""diff: the changes between two pictures and the times carried over."""

from xivo_cti.state._changes import (
    AgentRemoved,
    HintChanged,
    QueueMemberRemoved,
    QueueRemoved,
)
from xivo_cti.state._diff import changes_between, keep_times
from xivo_cti.state._entities import Agent, Hint, Queue, QueueCaller, QueueMember
from xivo_cti.state._store import Store


def store() -> Store:
    return Store(lambda: 0.0)


def test_removed_entities_are_told():
    """Hints, queues, members and agents missing from the new picture are told gone."""
    old, new = store(), store()
    old.hints[("1", "h")] = Hint("1", "h", "PJSIP/a", 1, "InUse")
    old.queues["q"] = Queue("q")
    old.queue_members[("q", "PJSIP/a")] = QueueMember(
        "q", "PJSIP/a", "A", "PJSIP/a", "static", 0, 0, 0, False, 1, False, ""
    )
    old.agents["7"] = Agent("7")
    changes = changes_between(old, new)
    assert HintChanged(hint=Hint("1", "h", "PJSIP/a", -2, "")) in changes
    assert QueueRemoved(queue="q") in changes
    assert QueueMemberRemoved(queue="q", interface="PJSIP/a") in changes
    assert AgentRemoved(agent_id="7") in changes


def test_equal_pictures_have_no_changes():
    """Two identical pictures differ by nothing."""
    old, new = store(), store()
    for s in (old, new):
        s.devices["d"] = "INUSE"
        s.queues["q"] = Queue("q", strategy="ringall")
    assert changes_between(old, new) == []


def test_keep_times_of_callers_and_agents():
    """Join and login times known before the resync are kept."""
    old, new = store(), store()
    old.queues["q"] = Queue("q", callers=(QueueCaller("u", "c", 1, "", "", 5.0),))
    new.queues["q"] = Queue("q", callers=(QueueCaller("u", "c", 1, "", "", 9.0),))
    old.agents["7"] = Agent("7", status="AGENT_IDLE", login_time=3.5)
    new.agents["7"] = Agent("7", status="AGENT_IDLE", login_time=3.0)
    keep_times(old, new)
    assert new.queues["q"].callers[0].joined == 5.0
    assert new.agents["7"].login_time == 3.5
    assert changes_between(old, new) == []
