"""Commands waiting on another node: one outcome each (reply or expiry), bounded table."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.bus import (
    CallsFull,
    CommandReply,
    Expired,
    RemoteCalls,
    Replied,
    decode,
    encode,
    still_valid,
)


def _reply(call_id: str, ok: bool = True) -> CommandReply:
    return CommandReply(id=call_id, ok=ok, headers={"Response": "Success"}, error="")


def test_request_reply():
    """A request carries this node as reply_to and now + timeout as deadline; its reply
    is matched once, a second one dropped."""
    calls = RemoteCalls("node-a")
    request = calls.request("paris", "Hangup", {"Channel": "PJSIP/a-1"}, now=100.0, timeout=5)
    assert (request.reply_to, request.deadline, request.ipbx) == ("node-a", 105.0, "paris")
    assert decode(encode(request)) == request
    assert calls.reply_received(_reply(request.id)) == Replied(request.id, _reply(request.id))
    assert calls.reply_received(_reply(request.id)) is None
    assert calls.pending == 0


def test_expiry_then_late_reply():
    """Past its deadline a command expires once; its late reply is dropped."""
    calls = RemoteCalls("node-a")
    first = calls.request("paris", "Hangup", {}, now=0.0, timeout=5)
    second = calls.request("paris", "Hangup", {}, now=1.0, timeout=5)
    assert calls.expire(4.9) == []
    assert calls.expire(5.0) == [Expired(first.id)]
    assert calls.expire(5.5) == []
    assert calls.reply_received(_reply(first.id)) is None
    assert calls.expire(6.0) == [Expired(second.id)]


def test_bounded():
    """A silent owner cannot grow the table past max_pending."""
    calls = RemoteCalls("node-a", max_pending=2)
    for _ in range(2):
        calls.request("paris", "Ping", {}, now=0.0, timeout=5)
    with pytest.raises(CallsFull):
        calls.request("paris", "Ping", {}, now=0.0, timeout=5)
    calls.expire(10.0)
    calls.request("paris", "Ping", {}, now=10.0, timeout=5)


def test_owner_runs_only_before_the_deadline():
    """The owner drops a command that arrives at or after its deadline."""
    request = RemoteCalls("n").request("paris", "Hangup", {}, now=10.0, timeout=2)
    assert still_valid(request, 11.9) and not still_valid(request, 12.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["req", "reply", "tick"]), st.integers(0, 20))))
def test_one_outcome_per_command(steps):
    """Whatever the order of requests, replies (some unknown) and clock ticks, each
    command ends at most once, and none ends before it was requested."""
    calls, now, ids, ended = RemoteCalls("n", max_pending=8), 0.0, [], []
    for step, n in steps:
        if step == "req" and calls.pending < 8:
            ids.append(calls.request("p", "Ping", {}, now=now, timeout=n % 5 + 1).id)
        elif step == "reply":
            outcome = calls.reply_received(_reply(ids[n % len(ids)] if ids else "x"))
            ended += [outcome.id] if outcome else []
        elif step == "tick":
            now += n / 4
            ended += [e.id for e in calls.expire(now)]
    assert len(ended) == len(set(ended))
    assert set(ended) <= set(ids)
    assert calls.pending == len(ids) - len(ended)
