"""End-to-end: the live state fed by a real Asterisk 22, resynced after a restart."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet import reactor

from testing.waiting import eventually
from xivo_cti.ami import AMIClientService, AMIConfig
from xivo_cti.state import LiveState, Resynced, resync

pytestmark = pytest.mark.e2e


def start_client(asterisk) -> tuple[AMIClientService, LiveState, list]:
    state = LiveState(reactor)
    resyncs: list = []

    def changed(changes) -> None:
        resyncs.extend(c for c in changes if isinstance(c, Resynced))

    config = AMIConfig(
        host=asterisk.ami_host,
        port=asterisk.ami_port,
        username=asterisk.ami_username,
        secret=asterisk.ami_secret,
        ping_interval=1.0,
        action_timeout=5.0,
    )
    client = AMIClientService(reactor, config, lambda p: resync(p, state, changed, clock=reactor))
    client.add_event_listener(state.apply)
    client.startService()
    return client, state, resyncs


@pytest_twisted.ensureDeferred
async def test_call_and_devstate_show_in_state(asterisk):
    """A devstate change moves the device and its hint; a real call is seen bridged, then gone."""
    client, state, resyncs = start_client(asterisk)
    try:
        await eventually(lambda: bool(resyncs), timeout=20.0, interval=0.05)
        asterisk.cli("devstate change Custom:alice INUSE")
        await eventually(
            lambda: state.devices.get("Custom:alice") == "INUSE", timeout=20.0, interval=0.05
        )
        await eventually(
            lambda: state.hints[("2001", "hints")].status == 1, timeout=20.0, interval=0.05
        )
        asterisk.cli("devstate change Custom:alice NOT_INUSE")
        await eventually(
            lambda: state.hints[("2001", "hints")].status == 0, timeout=20.0, interval=0.05
        )

        client.originate(
            "Local/3000@bridging", application="Wait", data="3", variables={"HOLD_SECONDS": "3"}
        ).addErrback(lambda f: None)
        await eventually(
            lambda: any(len(b.channels) == 2 for b in state.bridges.values()),
            timeout=20.0,
            interval=0.05,
        )
        bridged = next(b for b in state.bridges.values() if len(b.channels) == 2)
        assert all(state.channels[u].bridge_id == bridged.bridge_id for u in bridged.channels)
        await eventually(lambda: not state.channels and not state.calls, timeout=30, interval=0.05)
    finally:
        await client.stopService()


@pytest_twisted.ensureDeferred
async def test_state_matches_asterisk_after_restart(asterisk):
    """Asterisk stopped and started again: after reconnect and resync the state matches it."""
    client, state, resyncs = start_client(asterisk)
    try:
        await eventually(lambda: bool(resyncs), timeout=20.0, interval=0.05)
        client.originate(
            "Local/3000@bridging", application="Wait", data="60", variables={"HOLD_SECONDS": "60"}
        ).addErrback(lambda f: None)
        asterisk.cli("devstate change Custom:bob INUSE")
        await eventually(
            lambda: len(state.channels) >= 3 and "Custom:bob" in state.devices,
            timeout=20.0,
            interval=0.05,
        )
        before = len(resyncs)
        asterisk.stop()
        asterisk.start()
        await eventually(lambda: len(resyncs) > before, timeout=60, interval=0.05)
        _, listed = await client.send_action_list("CoreShowChannels")
        assert set(state.channels) == {m["Uniqueid"] for m in listed}
        _, devices = await client.send_action_list("DeviceStateList")
        assert {m["Device"]: m["State"] for m in devices} == dict(state.devices)
        assert not state.stale
    finally:
        await client.stopService()
