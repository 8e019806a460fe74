"""Users' features shared between nodes: the holder of an ipbx tells each change at once,
numbered, and the whole list rarely or when a node that missed a change asks; other nodes
show them; a DBPut run for another node counts as a change."""

from __future__ import annotations

from twisted.internet.defer import succeed

from tests.xivo_cti.conftest import sample_users
from xivo_cti.bus import Features, FeaturesRequest, decode
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
        self.held = held = {"h": {"b"}, "f": set()}
        self.shared = {
            name: SharedFeatures(f"node-{name}", book, self.users, ipbx_of, held[name],
                                 self.publish, self.pushed[name].extend, whole_every=3)
            for name, book in self.books.items()
        }  # fmt: skip
        self.lost = False

    def publish(self, key: str, body: bytes):
        if not self.lost:
            self.wire.append((key, body))
        return succeed(None)

    def deliver(self) -> list[Features | FeaturesRequest]:
        """What was published, in order, each to the nodes its routing key reaches."""
        sent = []
        while self.wire:
            key, body = self.wire.pop(0)
            message = decode(body)
            assert isinstance(message, Features | FeaturesRequest)
            sent.append(message)
            for name, shared in self.shared.items():
                if key in (f"ipbx.{message.ipbx}.features", f"node.node-{name}"):
                    shared.received(message)
        return sent

    def holder_sets(self, login: str, values: dict) -> None:
        """A change on the holder, its logins handed on as a command or AstDB read does."""
        self.shared["h"].status_changed(self.books["h"].set_features(login, values))


def test_a_change_on_the_holder_shows_on_the_other_node_once() -> None:
    """dave's DND set on the holder reaches the follower (its feed told), and is not told
    again or back; users of other ipbx are not told."""
    nodes = Nodes()
    nodes.shared["h"].tell_all()
    nodes.deliver()
    nodes.holder_sets("dave", {"enablednd": True})
    nodes.shared["h"].status_changed(nodes.books["h"].set_features("alice", {"enablednd": True}))
    sent = nodes.deliver()
    assert [(m.ipbx, m.whole, dict(m.features)) for m in sent] == [("b", False, {"dave": DND})]
    assert nodes.books["f"].features("dave") == DND
    assert nodes.pushed["f"] == ["dave"]
    nodes.shared["h"].status_changed(["dave"])
    assert nodes.deliver() == []


def kinds(sent: list[Features | FeaturesRequest]) -> list[str]:
    return [
        "request" if isinstance(m, FeaturesRequest) else "whole" if m.whole
        else "change" if m.features else "reminder"
        for m in sent
    ]  # fmt: skip


def test_a_lost_change_is_seen_at_the_next_reminder_and_repaired_by_a_whole_list() -> None:
    """The follower misses dave's forward: the holder's next reminder (the last change's
    number, no features) shows the gap, it asks, the whole list comes to it alone; a user
    back to the defaults on the holder (left out of the list) goes back to them too."""
    nodes = Nodes()
    nodes.shared["h"].tell_all()
    assert kinds(nodes.deliver()) == ["whole"]
    nodes.lost = True
    nodes.holder_sets("dave", {"enableunc": True, "destunc": "1234"})
    nodes.lost = False
    assert nodes.books["f"].features("dave") == FEATURE_DEFAULTS
    nodes.shared["h"].tell_all()
    sent = nodes.deliver()
    assert kinds(sent) == ["reminder", "request", "whole"]
    assert nodes.wire == [] and dict(sent[2].features) == {
        "dave": nodes.books["h"].features("dave")
    }
    assert nodes.books["f"].features("dave")["destunc"] == "1234"
    nodes.lost = True
    nodes.books["h"].replace_features({}, ["dave"])
    nodes.shared["h"].status_changed(["dave"])
    nodes.lost = False
    nodes.shared["h"].tell_all()
    assert kinds(nodes.deliver()) == ["reminder", "request", "whole"]
    assert nodes.books["f"].features("dave") == FEATURE_DEFAULTS
    assert nodes.pushed["f"] == ["dave", "dave"]


def test_reminders_carry_no_features_and_a_whole_list_comes_rarely() -> None:
    """In step, the holder's ticks send reminders, a whole list every ``whole_every``-th
    (3 here), and the follower asks for nothing."""
    nodes = Nodes()
    nodes.holder_sets("dave", {"enablednd": True})
    nodes.deliver()  # the follower had heard nothing: it asked, and has the whole list
    assert nodes.books["f"].features("dave") == DND
    ticks = []
    for _ in range(6):
        nodes.shared["h"].tell_all()
        ticks += kinds(nodes.deliver())
    assert ticks == ["whole", "reminder", "reminder", "whole", "reminder", "reminder"]


def test_a_new_holding_is_a_new_epoch_and_duplicates_are_dropped() -> None:
    """A change told again is dropped; the holder of another holding (a new epoch,
    numbering from 1 again) is asked for its whole list at its first message."""
    nodes = Nodes()
    nodes.shared["h"].tell_all()
    nodes.deliver()
    nodes.holder_sets("dave", {"enablednd": True})
    [change] = nodes.deliver()
    nodes.books["f"].replace_features({}, ["dave"])
    nodes.shared["f"].received(change)  # type: ignore[arg-type]
    assert nodes.books["f"].features("dave") == FEATURE_DEFAULTS and nodes.wire == []
    nodes.held["h"].discard("b")
    successor = SharedFeatures("node-s", nodes.books["h"], nodes.users, ipbx_of, {"b"},
                               nodes.publish, lambda _: None)  # fmt: skip
    successor.status_changed(nodes.books["h"].set_features("dave", {"enableunc": True}))
    sent = nodes.deliver()
    assert kinds(sent) == ["change", "request", "request"]  # h, which let b go, follows it
    assert {m.reply_to for m in sent[1:]} == {"node-f", "node-h"}  # type: ignore[union-attr]
    assert sent[0].epoch != change.epoch  # type: ignore[union-attr]
    assert nodes.books["f"].features("dave")["enableunc"] is True


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
    nodes.shared["h"].received(Features(ipbx="b", epoch="old", seq=9, whole=True, features={}))
    assert nodes.books["h"].features("dave") == DND
    nodes.deliver()
    nodes.shared["f"].received(
        Features(ipbx="b", epoch="x", seq=1, whole=False, features={"nobody": DND})
    )
    assert nodes.books["f"].features("dave") == DND


def test_the_holder_answers_each_asker_once_a_tick_and_few_askers() -> None:
    """Requests for the whole list, repeated or from many names, cost the holder one
    answer per asker and tick, and at most ``askers_per_tick`` askers; the next tick
    answers again."""
    sent: list[tuple[str, bytes]] = []
    users = UserStore(None, sample_users(ipbx_b=True))  # type: ignore[arg-type]
    holder = SharedFeatures(
        "node-h", UserStatusBook(), users, ipbx_of, {"b"},
        lambda key, body: sent.append((key, body)) or succeed(None), lambda _: None,
        askers_per_tick=2,
    )  # fmt: skip
    holder.tell_all()
    sent.clear()
    for asker in ["n1", "n1", "n2", "n3", "n1"] + [f"x{i}" for i in range(100)]:
        holder.received(FeaturesRequest(ipbx="b", reply_to=asker))
    holder.received(FeaturesRequest(ipbx="xivo", reply_to="n9"))  # not held here
    assert [key for key, _ in sent] == ["node.n1", "node.n2"]
    assert all(decode(body).whole for _, body in sent)
    sent.clear()
    holder.tell_all()
    holder.received(FeaturesRequest(ipbx="b", reply_to="n3"))
    assert [key for key, _ in sent][-1] == "node.n3"
