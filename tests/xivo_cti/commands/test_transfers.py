"""Tests of the attended transfer book and of planning a transfer's end (pure)."""

from __future__ import annotations

import pytest

from xivo_cti.commands import CommandError
from xivo_cti.commands._transfers import AttendedTransfers, Transfer, plan_transfer_end
from xivo_cti.state import Channel


def channel(uniqueid: str, bridge: str) -> Channel:
    return Channel(uniqueid, f"Local/{uniqueid}-0001;1", 6, "Up", "", "", "", "", "c", "s",
                   "1", 0.0, bridge_id=bridge)  # fmt: skip


def test_the_book_keeps_one_transfer_per_user_until_popped() -> None:
    """A new transfer replaces the user's previous one; pop forgets it."""
    book = AttendedTransfers()
    book.started("bob", Transfer("a", "b"))
    book.started("bob", Transfer("c", "d"))
    assert book.get("bob") == Transfer("c", "d") and book.get("alice") is None
    assert book.pop("bob") == Transfer("c", "d")
    assert book.get("bob") is None and book.pop("bob") is None


def test_a_consultation_going_on_completes_by_hanging_up_the_transferer() -> None:
    """Transferer in the target's bridge, transferee held elsewhere: Hangup or CancelAtxfer."""
    channels = {"t": channel("t", "consult"), "p": channel("p", "held")}
    transfer = Transfer("t", "p")
    assert plan_transfer_end(channels, transfer, complete=True) == (
        "Hangup", {"Channel": "Local/t-0001;1"},
    )  # fmt: skip
    assert plan_transfer_end(channels, transfer, complete=False) == (
        "CancelAtxfer", {"Channel": "Local/t-0001;1"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("channels", "transfer"),
    [
        ({}, None),
        ({"p": channel("p", "held")}, Transfer("t", "p")),
        ({"t": channel("t", "consult")}, Transfer("t", "p")),
        ({"t": channel("t", "same"), "p": channel("p", "same")}, Transfer("t", "p")),
        ({"t": channel("t", ""), "p": channel("p", "held")}, Transfer("t", "p")),
    ],
    ids=["none", "transferer-gone", "transferee-gone", "back-together", "out-of-bridge"],
)
def test_no_consultation_no_action(channels, transfer) -> None:
    """Without a consultation going on, nothing is planned (a Hangup would end the call)."""
    for complete in (True, False):
        with pytest.raises(CommandError) as e:
            plan_transfer_end(channels, transfer, complete=complete)
        assert e.value.error_string == "no_transfer"
