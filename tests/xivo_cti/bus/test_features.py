"""Users' features shared between nodes: the holder of an ipbx tells them at once and as a
whole list, other nodes show them, a DBPut run for another node counts as a change."""

from __future__ import annotations

from twisted.internet.defer import succeed

from tests.xivo_cti.conftest import sample_users
from xivo_cti.bus import Features, decode
from xivo_cti.bus._features import SharedFeatures
from xivo_cti.users import FEATURE_DEFAULTS, User, UserStatusBook, UserStore

DND = {**FEATURE_DEFAULTS, "enablednd": True}


def ipbx_of(user: User) -> str:
    return user.ipbx or "xivo"


class Nodes:
    """Node h holds ipbx b (dave, extension 3001), node f follows it; a bus that delivers
    when told (``lost`` drops); ``pushed`` holds the logins each node's feed was told of."""

    def __init__(self) -> None:
        self.wire: list[tuple[str, bytes]] = []
        self.users = UserStore(None, sample_users(ipbx_b=True))  # type: ignore[arg-type]
        self.books = {name: UserStatusBook() for name in ("h", "f")}
        self.pushed: dict[str, list[str]] = {"h": [], "f": []}
        held = {"h": {"b"}, "f": set()}
        self.shared = {
            name: SharedFeatures(book, self.users, ipbx_of, held[name], self.publish,
                                 self.pushed[name].extend)
            for name, book in self.books.items()
        }  # fmt: skip
        self.lost = False

    def publish(self, key: str, body: bytes):
        if not self.lost:
            self.wire.append((key, body))
        return succeed(None)

    def deliver(self) -> list[Features]:
        sent = []
        while self.wire:
            key, body = self.wire.pop(0)
            message = decode(body)
            assert isinstance(message, Features) and key == f"ipbx.{message.ipbx}.features"
            sent.append(message)
            for shared in self.shared.values():
                shared.received(message)
        return sent

    def holder_sets(self, login: str, values: dict) -> None:
        """A change on the holder, its logins handed on as a command or AstDB read does."""
        self.shared["h"].status_changed(self.books["h"].set_features(login, values))


def test_a_change_on_the_holder_shows_on_the_other_node_once() -> None:
    """dave's DND set on the holder reaches the follower (its feed told), and is not told
    again or back; users of other ipbx are not told."""
    nodes = Nodes()
    nodes.holder_sets("dave", {"enablednd": True})
    nodes.shared["h"].status_changed(nodes.books["h"].set_features("alice", {"enablednd": True}))
    sent = nodes.deliver()
    assert [(m.ipbx, m.whole, dict(m.features)) for m in sent] == [("b", False, {"dave": DND})]
    assert nodes.books["f"].features("dave") == DND
    assert nodes.pushed["f"] == ["dave"]
    nodes.shared["h"].status_changed(["dave"])
    assert nodes.deliver() == []


def test_the_whole_list_repairs_a_lost_change_and_resets_to_defaults() -> None:
    """A change lost on the way shows after the next whole list; a user back to the
    defaults on the holder (left out of the list) goes back to them on the follower."""
    nodes = Nodes()
    nodes.shared["h"].tell_all()
    nodes.deliver()
    nodes.lost = True
    nodes.holder_sets("dave", {"enableunc": True, "destunc": "1234"})
    nodes.lost = False
    assert nodes.books["f"].features("dave") == FEATURE_DEFAULTS
    nodes.shared["h"].tell_all()
    [whole] = nodes.deliver()
    assert whole.whole and set(whole.features) == {"dave"}
    assert nodes.books["f"].features("dave")["destunc"] == "1234"
    nodes.books["h"].replace_features({}, ["dave"])
    nodes.lost = True
    nodes.shared["h"].status_changed(["dave"])
    nodes.lost = False
    nodes.shared["h"].tell_all()
    assert dict(nodes.deliver()[0].features) == {}
    assert nodes.books["f"].features("dave") == FEATURE_DEFAULTS
    assert nodes.pushed["f"] == ["dave", "dave"]


def test_a_dbput_run_for_another_node_is_the_users_feature() -> None:
    """The holder ran a featuresput's DBPut for another node: the user of that extension
    on that ipbx has it, on the holder (its feed told) and then on the follower; a DBPut of
    another family, an invalid value or an extension of the ipbx's no user changes
    nothing."""
    nodes = Nodes()
    written = nodes.shared["h"].written
    written("b", {"Family": "other", "Key": "3001/enablednd", "Val": "1"})
    written("b", {"Family": "xivo-features/3001", "Key": "enablednd", "Val": "yes"})
    assert nodes.wire == [] and nodes.pushed["h"] == []
    written("b", {"Family": "xivo-features/3001", "Key": "enablednd", "Val": "1"})
    assert nodes.books["h"].features("dave") == DND and nodes.pushed["h"] == ["dave"]
    nodes.deliver()
    assert nodes.books["f"].features("dave") == DND
    written("b", {"Family": "xivo-features/2002", "Key": "enablednd", "Val": "1"})
    assert nodes.books["h"].features("bob") == FEATURE_DEFAULTS  # 2002, but of ipbx xivo


def test_a_node_ignores_what_others_tell_of_the_ipbx_it_holds() -> None:
    """A message about ipbx b (an old holder's, late) leaves the holder's book alone; a
    change of some users leaves the others of that ipbx as they were."""
    nodes = Nodes()
    nodes.holder_sets("dave", {"enablednd": True})
    nodes.shared["h"].received(Features(ipbx="b", whole=True, features={}))
    assert nodes.books["h"].features("dave") == DND
    nodes.deliver()
    nodes.shared["f"].received(Features(ipbx="b", whole=False, features={"nobody": DND}))
    assert nodes.books["f"].features("dave") == DND
