"""The bus messages' JSON encoding: round trips, and only BusMessageError from bad bodies."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.bus import (
    MAX_MESSAGE_BYTES,
    BusMessageError,
    Change,
    Changes,
    Chat,
    CommandReply,
    CommandRequest,
    Features,
    FeaturesRequest,
    Heartbeat,
    Presence,
    Presences,
    Snapshot,
    SnapshotRequest,
    check_ipbx_id,
    decode,
    encode,
)

names = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
tokens = st.from_regex(r"[\x21-\x7e]{1,128}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
payloads = st.dictionaries(st.text(), json_values, max_size=5)
headers = st.dictionaries(names, st.text().filter(lambda v: "\r" not in v and "\n" not in v))
seqs = st.integers(min_value=0, max_value=2**53)
logins = st.text(min_size=1, max_size=256).filter(str.isprintable)
presences = st.from_regex(r"[a-z][a-z0-9_]{0,31}", fullmatch=True)
features = st.fixed_dictionaries(
    {},
    optional={"enablednd": st.booleans(), "enableunc": st.booleans(),
              "destunc": st.from_regex(r"[0-9*#+]{0,40}", fullmatch=True)},
)  # fmt: skip

events = st.lists(st.lists(st.tuples(st.text(), st.text()).map(list), max_size=4), min_size=1,
                  max_size=5)  # fmt: skip
messages = st.one_of(
    st.builds(Changes, ipbx=names, epoch=tokens, first_seq=seqs.map(lambda s: s + 1),
              events=events),  # fmt: skip
    st.builds(Heartbeat, ipbx=names, epoch=tokens, seq=seqs),
    st.builds(SnapshotRequest, ipbx=names, id=tokens, reply_to=tokens),
    st.builds(Snapshot, ipbx=names, id=tokens, epoch=tokens, seq=seqs, state=payloads),
    st.builds(
        CommandRequest,
        ipbx=names,
        id=tokens,
        reply_to=tokens,
        deadline=st.floats(min_value=0, max_value=1e11),
        action=names,
        headers=headers,
    ),
    st.builds(CommandReply, id=tokens, ok=st.booleans(), headers=headers, error=st.text()),
    st.builds(Presence, node=tokens, login=logins, presence=presences),
    st.builds(Presences, node=tokens, presences=st.dictionaries(logins, presences, max_size=5)),
    st.builds(Features, ipbx=names, epoch=tokens, seq=seqs, whole=st.booleans(),
              features=st.dictionaries(logins, features, max_size=5)),
    st.builds(FeaturesRequest, ipbx=names, reply_to=tokens),
    st.builds(Chat, login=logins, sender=st.tuples(names, tokens).map(list),
              recipient=st.tuples(names, tokens).map(list), alias=st.text(max_size=64),
              text=st.text(max_size=64)),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(messages)
def test_round_trip(message):
    """decode(encode(m)) == m for every valid message."""
    assert decode(encode(message)) == message


def test_documented_shape():
    """A batch of changes is the JSON object the README documents; its changes are
    numbered from ``first_seq``."""
    hangup = [["Event", "Hangup"], ["Channel", "PJSIP/a-1"]]
    ring = [["Event", "Newstate"], ["ChannelStateDesc", "Ring"]]
    changes = Changes(ipbx="site-a", epoch="e1", first_seq=7, events=[hangup, ring])
    assert json.loads(encode(changes)) == {
        "v": 1,
        "type": "changes",
        "ipbx": "site-a",
        "epoch": "e1",
        "first_seq": 7,
        "events": [hangup, ring],
    }
    assert changes.each() == [
        Change(ipbx="site-a", epoch="e1", seq=7, change={"event": hangup}),
        Change(ipbx="site-a", epoch="e1", seq=8, change={"event": ring}),
    ]


@pytest.mark.parametrize(
    "events",
    [[], [[["Event"]]], [[["Event", 1]]], [["Event", "Hangup"]], [{"Event": "x"}], "x",
     [[]] * 1001],
)  # fmt: skip
def test_invalid_events(events):
    """A batch is 1 to MAX_EVENTS events of [name, value] string pairs."""
    body = {"v": 1, "type": "changes", "ipbx": "a", "epoch": "e", "first_seq": 1}
    with pytest.raises(BusMessageError, match="invalid 'events'"):
        decode(json.dumps({**body, "events": events}).encode())
    with pytest.raises(BusMessageError, match="invalid 'first_seq'"):
        decode(json.dumps({**body, "events": [[]], "first_seq": 0}).encode())


def test_unknown_keys_ignored():
    """A later version 1 may add keys: they are ignored."""
    body = {"v": 1, "type": "snapshot_request", "ipbx": "a", "id": "1", "reply_to": "n", "x": 1}
    assert decode(json.dumps(body).encode()) == SnapshotRequest(ipbx="a", id="1", reply_to="n")


GOOD = {
    "v": 1,
    "type": "command",
    "ipbx": "a",
    "id": "1",
    "reply_to": "n",
    "deadline": 5.0,
    "action": "Hangup",
    "headers": {"Channel": "PJSIP/a-1"},
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"v": 2}, "unsupported version 2"),
        ({"type": "nope"}, "unknown type 'nope'"),
        ({"ipbx": "a.b"}, "invalid 'ipbx'"),
        ({"ipbx": None}, "invalid 'ipbx'"),
        ({"headers": {"Channel": "x\r\nAction: Originate"}}, "invalid 'headers'"),
        ({"headers": {"Bad: name": "x"}}, "invalid 'headers'"),
        ({"action": "Hangup\r\n"}, "invalid 'action'"),
        ({"deadline": "soon"}, "invalid 'deadline'"),
        ({"deadline": True}, "invalid 'deadline'"),
        ({"id": ""}, "invalid 'id'"),
    ],
)
def test_invalid_field(change, reason):
    """Each bad field is named; CR/LF never reaches an AMI header or action."""
    with pytest.raises(BusMessageError, match=reason):
        decode(json.dumps({**GOOD, **change}).encode())


def test_missing_field():
    """A missing key is named."""
    body = {k: v for k, v in GOOD.items() if k != "deadline"}
    with pytest.raises(BusMessageError, match="missing 'deadline'"):
        decode(json.dumps(body).encode())


def test_size_limits():
    """Only a snapshot may be larger than MAX_MESSAGE_BYTES."""
    big = {"x": "y" * MAX_MESSAGE_BYTES}
    with pytest.raises(BusMessageError, match="over"):
        decode(encode(Changes(ipbx="a", epoch="e", first_seq=1, events=[[["x", big["x"]]]])))
    snapshot = Snapshot(ipbx="a", id="1", epoch="e", seq=1, state=big)
    assert decode(encode(snapshot)) == snapshot


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_only_bus_message_error_escapes(body):
    """Whatever the bytes, decode returns a message or raises BusMessageError."""
    try:
        decode(body)
    except BusMessageError:
        pass


def test_deep_nesting_is_an_error():
    """A deeply nested body is refused, not a RecursionError."""
    with pytest.raises(BusMessageError):
        decode(b"[" * 100000 + b"]" * 100000)


def test_check_ipbx_id():
    """An ipbx id must fit in a routing key word."""
    check_ipbx_id("site_A-2")
    for bad in ("", "a.b", "a b", "x" * 65, "*"):
        with pytest.raises(ValueError, match="ipbx id"):
            check_ipbx_id(bad)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "presence", "node": "n", "login": "a\nb", "presence": "away"},
        {"type": "presence", "node": "n", "login": "alice", "presence": "Away!"},
        {"type": "presences", "node": "n", "presences": {"alice": 1}},
        {"type": "presences", "node": "n", "presences": {"": "away"}},
    ],
)
def test_invalid_presences(body):
    """A login with a control character, a presence that is not a presence name, or a
    list holding either, is refused."""
    with pytest.raises(BusMessageError, match="invalid"):
        decode(json.dumps({"v": 1, **body}).encode())


@pytest.mark.parametrize(
    "features",
    [
        {"alice": {"enablednd": 1}},  # not a boolean
        {"alice": {"destunc": "12\r\nAction: Originate"}},  # not a dial string
        {"alice": {"destunc": 1234}},
        {"alice": {"nosuchfeature": True}},
        {"alice": ["enablednd"]},
        {"": {"enablednd": True}},
    ],
)
def test_features_only_known_ones_with_their_types(features):
    """A features message names known features with values of their type (destinations:
    dial strings, so nothing else reaches a client or the AstDB)."""
    body = {"v": 1, "type": "features", "ipbx": "b", "epoch": "e", "seq": 1, "whole": False,
            "features": features}  # fmt: skip
    with pytest.raises(BusMessageError, match="invalid 'features'"):
        decode(json.dumps(body).encode())


CHAT = {"v": 1, "type": "chat", "login": "bob", "sender": ["a", "1"], "recipient": ["a", "2"],
        "alias": "Alice", "text": "hi"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sender": ["a", "1", "x"]}, "invalid 'sender'"),
        ({"recipient": ["a.b", "2"]}, "invalid 'recipient'"),
        ({"text": "x" * 15_001}, "invalid 'text'"),
        ({"alias": 3}, "invalid 'alias'"),
        ({"login": ""}, "invalid 'login'"),
    ],
)
def test_invalid_chat(change, reason):
    """A chat's ids are an ipbx and a token, its texts bounded."""
    with pytest.raises(BusMessageError, match=reason):
        decode(json.dumps({**CHAT, **change}).encode())
