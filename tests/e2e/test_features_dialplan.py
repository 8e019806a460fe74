"""The README's DND and forwards dialplan example, run by the real Asterisk 22.

The example is also the rig's ``[features_example]`` context; the AstDB values are set
over AMI as xivo-ctid's ``featuresput`` does, and the branch taken is read from the
``Newexten`` events of the call.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from testing.calls import CallTracker
from testing.services.asterisk import AsteriskServer
from xivo_cti.ami import Message

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
_extensions = itertools.count(2900)


def readme_example() -> list[str]:
    """The dialplan lines of the README's "DND and call forwards" section."""
    section = (REPO / "README.md").read_text().split("## DND and call forwards", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None, "no dialplan block in the README section"
    return block.group(1).strip().splitlines()


def test_readme_example_is_the_rig_context():
    """The README's example and the rig's [features_example] context are the same lines."""
    conf = (REPO / "testing/asterisk/extensions.conf").read_text()
    context = conf.split("[features_example]\n", 1)[1].split("\n\n", 1)[0]
    assert context.strip().splitlines() == readme_example()


async def branch(
    asterisk: AsteriskServer, features: dict[str, str], callerid: str | None = None
) -> list[tuple[str, str]]:
    """Store ``features`` for a new extension, call it in [features_example] and return
    the (application, data) of every dialplan step the call ran."""
    exten = str(next(_extensions))
    family = f"xivo-features/{exten}"
    tracker = await CallTracker.connect(asterisk)
    steps: list[tuple[str, str]] = []
    hung_up: Deferred[None] = Deferred()

    def on_event(message: Message) -> None:
        if message.get("Context") != "features_example" or message.get("Exten") != exten:
            return
        if message.event == "Newexten":
            steps.append((message.get("Application", ""), message.get("AppData", "")))
        elif message.event == "Hangup" and not hung_up.called:
            hung_up.callback(None)

    stop = tracker.ami.add_event_listener(on_event)
    try:
        for key, value in features.items():
            await tracker.ami.send_action("DBPut", {"Family": family, "Key": key, "Val": value})
        d = tracker.ami.originate(
            f"Local/{exten}@features_example",
            application="Wait",
            data="0.1",
            timeout_ms=5000,
            callerid=callerid,
        )
        d.addErrback(lambda _: None)  # the example never answers: the steps are what counts
        await hung_up.addTimeout(15, reactor)
        return steps
    finally:
        stop()
        await tracker.ami.send_action("DBDelTree", {"Family": family}).addErrback(lambda _: None)
        tracker.close()


@pytest_twisted.ensureDeferred
async def test_dnd_makes_the_call_busy(asterisk):
    """enablednd 1: the example goes straight to Busy, never dials."""
    steps = await branch(asterisk, {"enablednd": "1"})
    applications = [app for app, _data in steps]
    assert "Busy" in applications and "Dial" not in applications, steps


@pytest_twisted.ensureDeferred
async def test_call_filter_refuses_a_hidden_number_only(asterisk):
    """incallfilter 1: a caller without a number gets Busy, one with a number rings."""
    hidden = [app for app, _data in await branch(asterisk, {"incallfilter": "1"})]
    assert "Busy" in hidden and "Dial" not in hidden, hidden
    shown = await branch(asterisk, {"incallfilter": "1"}, callerid="Carol <2999>")
    dials = [data for app, data in shown if app == "Dial"]
    assert len(dials) == 1 and dials[0].startswith("PJSIP/"), shown


@pytest_twisted.ensureDeferred
async def test_unconditional_forward_dials_the_destination(asterisk):
    """enableunc 1 with destunc 3001: the example dials Local/3001@default, not the phone."""
    steps = await branch(asterisk, {"enablednd": "0", "enableunc": "1", "destunc": "3001"})
    dials = [data for app, data in steps if app == "Dial"]
    assert dials == ["Local/3001@default"], steps


@pytest_twisted.ensureDeferred
async def test_no_feature_dials_the_phone(asterisk):
    """Nothing stored: the example dials the extension's own phone."""
    steps = await branch(asterisk, {})
    dials = [data for app, data in steps if app == "Dial"]
    assert len(dials) == 1 and dials[0].startswith("PJSIP/"), steps
