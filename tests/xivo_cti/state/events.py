"""Builders of AMI events for the state tests, with Asterisk 22's field names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xivo_cti.ami._codec import AMIParser
from xivo_cti.ami._message import Message
from xivo_cti.state import LiveState
from xivo_cti.state._changes import Change

RECORDINGS = Path(__file__).resolve().parents[2] / "data" / "ami"


def snapshot(
    uniqueid: str,
    *,
    prefix: str = "",
    name: str | None = None,
    state: int = 4,
    desc: str = "Ring",
    num: str = "1000",
    cid_name: str = "Alice",
    linkedid: str | None = None,
    context: str = "default",
    exten: str = "1000",
) -> dict[str, str]:
    """The channel snapshot headers Asterisk puts in channel events."""
    fields = {
        "Channel": name or f"PJSIP/{uniqueid}-00000001",
        "ChannelState": str(state),
        "ChannelStateDesc": desc,
        "CallerIDNum": num,
        "CallerIDName": cid_name,
        "ConnectedLineNum": "<unknown>",
        "ConnectedLineName": "<unknown>",
        "Language": "en",
        "AccountCode": "",
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "Uniqueid": uniqueid,
        "Linkedid": linkedid or uniqueid,
    }
    return {prefix + k: v for k, v in fields.items()}


def event(name: str, *parts: dict[str, str], **headers: str) -> Message:
    """An event ``name`` made of snapshot dicts and extra headers."""
    items: list[tuple[str, str]] = [("Event", name), ("Privilege", "call,all")]
    for part in parts:
        items.extend(part.items())
    items.extend(headers.items())
    return Message(tuple(items))


def recorded(filename: str) -> list[Message]:
    """Every message of a recording in tests/data/ami/, parsed by the AMI codec."""
    data = (RECORDINGS / filename).read_bytes()
    parser = AMIParser()
    if not data.startswith(b"Asterisk Call Manager"):
        parser.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    parser.receive_data(data)
    return [m for m in parser if isinstance(m, Message)]


class RecordingState(LiveState):
    """A LiveState keeping, in ``told``, every change its ``apply`` returned."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.told: list[Change] = []

    def apply(self, msg: Message) -> Sequence[Change]:
        changes = super().apply(msg)
        self.told.extend(changes)
        return changes
