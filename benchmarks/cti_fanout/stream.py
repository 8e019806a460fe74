"""The load of the CTI fan-out benchmark: the AMI byte stream, the users, and their pushes.

``call_events`` renders one synthetic call (30 AMI events) as wire bytes; ``ami_events``
is the whole run's stream, event by event.  ``push_lines`` replays that stream through
xivo-ctid's own ``AMIParser``, ``LiveState`` and ``StatePusher`` once, before any round,
and keeps what the pusher publishes after each event, encoded by the CTI codec up to
its ``timenow``: the floor server (``floor.py``) writes exactly these lines, so both
servers deliver the same number of pushes of the same size to every client.
"""

from __future__ import annotations

import argparse

from xivo_cti.ami import AMIParser
from xivo_cti.cti import CTIConfig, encode
from xivo_cti.state import LiveState
from xivo_cti.users import User, UserStatusBook, UserStore, users_from_records
from xivo_cti.views import ListView, PushView

__all__ = ["BANNER", "add_load_options", "ami_events", "call_events", "push_lines", "users"]

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
_MARK = 0.5  # the timenow the templates are encoded with, cut off again


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options of a round's load and delivery settings (run.py passes them on)."""
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--profile", default="supervisor")
    parser.add_argument("--tick", type=float, default=0.001, help="seconds between AMI reads")
    parser.add_argument("--push-interval", type=float, default=CTIConfig.push_interval)
    parser.add_argument("--writes-per-pass", type=int, default=CTIConfig.writes_per_pass)
    parser.add_argument(
        "--floor-writes-per-pass", type=int, help="default: as xivo-ctid; 0: all in one pass"
    )


def call_events(user: int, seq: int) -> list[bytes]:
    """30 AMI events (wire bytes) of one call from user ``user``'s phone."""
    uid, chan, ext = f"{seq}.1", f"PJSIP/u{user}-{seq:08x}", str(1000 + user)
    base = (f"Channel: {chan}\r\nUniqueid: {uid}\r\nLinkedid: {uid}\r\nCallerIDNum: {ext}\r\n"
            "CallerIDName: \r\nConnectedLineNum: \r\nConnectedLineName: \r\n"
            "Context: default\r\nExten: s\r\n")  # fmt: skip

    def hint(status: int) -> str:
        return f"Event: ExtensionStatus\r\nExten: {ext}\r\nContext: default\r\nStatus: {status}\r\n"

    events = [f"Event: Newchannel\r\nChannelState: 4\r\nChannelStateDesc: Ring\r\n{base}", hint(8)]
    events += [f"Event: VarSet\r\nVariable: V{i}\r\nValue: x\r\n{base}" for i in range(24)]
    events += [f"Event: Newstate\r\nChannelState: 6\r\nChannelStateDesc: Up\r\n{base}", hint(1)]
    events += [f"Event: Hangup\r\nCause: 16\r\n{base}", hint(0)]
    return [e.encode() + b"\r\n" for e in events]


def ami_events(rate: int, seconds: float, users: int, first: int = 0) -> list[bytes]:
    """Every AMI event of a run at ``rate`` events/s for ``seconds`` (whole calls), the
    calls of users ``first`` to ``first + users - 1`` in turn."""
    calls = rate * int(seconds) // 30 + 1
    return [e for seq in range(calls) for e in call_events(first + seq % users, seq)]


def users(
    count: int, profile: str, password_hash: str, ipbx: tuple[str, ...] = ("",)
) -> tuple[User, ...]:
    """``count`` users u0, u1, ... with phone PJSIP/u<i> and extension 1000+i, in equal
    runs on each ipbx of ``ipbx`` in turn (empty: the default one)."""
    records = [{"login": f"u{i}", "password_hash": password_hash, "line": f"PJSIP/u{i}",
                "extension": str(1000 + i), "profile": profile,
                "ipbx": ipbx[i * len(ipbx) // count]}
               for i in range(count)]  # fmt: skip
    return users_from_records(records, "bench")


def push_lines(events: list[bytes], table: tuple[User, ...], ipbxid: str) -> list[list[bytes]]:
    """For each event of ``events``, the push lines xivo-ctid publishes after it, each
    cut just before its ``timenow`` value (the line ends with ``<timenow>}\\n``)."""
    state = LiveState()
    store = UserStore(None, table)  # type: ignore[arg-type]  # never reloaded here
    pushes = PushView(ListView({ipbxid: state}, store, UserStatusBook(), ipbxid))
    parser = AMIParser()
    parser.receive_data(BANNER)
    next(iter(parser))
    cut = len(f"{_MARK}}}\n")
    out: list[list[bytes]] = []
    for event in events:
        parser.receive_data(event)
        lines: list[bytes] = []
        for message in parser:
            for _topic, push in pushes.changed(state.apply(message)):
                lines.append(encode({**push, "timenow": _MARK})[:-cut])
        out.append(lines)
    return out
