"""Store: mutations, their changes, and the bounds on what it remembers."""

from xivo_cti.state import _store as store_module
from xivo_cti.state._changes import CallEnded, ChannelRemoved
from xivo_cti.state._entities import Channel
from xivo_cti.state._store import Store


def channel(uniqueid: str, linkedid: str = "L") -> Channel:
    return Channel(uniqueid, "PJSIP/x", 6, "Up", "", "", "", "", "c", "e", linkedid, 0.0)


def test_remove_channel_tells_removal_then_call_end():
    """Removing the last channel of a call tells ChannelRemoved then CallEnded."""
    changes: list = []
    store = Store(lambda: 0.0, changes)
    store.put_channel(channel("a"), None)
    changes.clear()
    store.remove_channel("a")
    assert [type(c) for c in changes] == [ChannelRemoved, CallEnded]


def test_removing_unknown_channel_is_silent():
    """A Hangup for a channel never seen tells nothing."""
    changes: list = []
    store = Store(lambda: 0.0, changes)
    store.remove_channel("nope")
    assert changes == [] and "nope" in store.hung_up


def test_hung_up_memory_is_bounded(monkeypatch):
    """Only the last HUNG_UP_MEMORY hung-up uniqueids are remembered."""
    monkeypatch.setattr(store_module, "HUNG_UP_MEMORY", 3)
    store = Store(lambda: 0.0)
    for n in range(10):
        store.remove_channel(str(n))
    assert list(store.hung_up) == ["7", "8", "9"]


def test_silent_store_tells_nothing():
    """A store without a changes list (built during resync) changes silently."""
    store = Store(lambda: 0.0)
    store.put_channel(channel("a"), None)
    store.set_device("d", "INUSE")
    assert store.calls["L"].channels == ("a",) and store.devices == {"d": "INUSE"}


def test_channels_indexed_by_device_even_when_silent():
    """The channels-by-device index is kept by every store, silent ones included."""
    store = Store(lambda: 0.0)
    store.put_channel(channel("a"), None)
    assert store.by_device == {"PJSIP/x": {"a": None}}
    store.remove_channel("a")
    assert store.by_device == {}
