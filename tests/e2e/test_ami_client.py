"""End-to-end: AMIClientService against the real Asterisk 22 of the test rig."""

from __future__ import annotations

import secrets

import pytest
import pytest_twisted
from twisted.internet import reactor, task, threads
from twisted.logger import formatEvent, globalLogPublisher

from xivo_cti.ami import AMIClientService, AMIConfig, AMINotConnected

pytestmark = pytest.mark.e2e


def make_config(asterisk, **overrides) -> AMIConfig:
    values = dict(
        host=asterisk.ami_host,
        port=asterisk.ami_port,
        username=asterisk.ami_username,
        secret=asterisk.ami_secret,
        ping_interval=1.0,
        action_timeout=5.0,
    )
    values.update(overrides)
    return AMIConfig(**values)


async def wait_for(predicate, timeout: float = 30.0) -> None:
    """Poll ``predicate`` on the running reactor until it holds or ``timeout`` passes."""
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await task.deferLater(reactor, 0.05, lambda: None)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def log_texts():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield lambda: [formatEvent(e) for e in events]
    globalLogPublisher.removeObserver(events.append)


@pytest_twisted.ensureDeferred
async def test_login_actions_lists_and_events(asterisk):
    """Logs in, runs Command, Ping, a list action and Originate, and sees device events."""
    resyncs = []
    service = AMIClientService(reactor, make_config(asterisk), on_connected=resyncs.append)
    seen = []
    service.add_event_listener(seen.append)
    service.startService()
    try:
        await wait_for(lambda: service.connected)
        assert resyncs == [service.protocol]
        assert service.protocol.version == "11.0.0"
        output = await service.command("core show version")
        assert any(line.startswith("Asterisk 22") for line in output)
        pong = await service.send_action("Ping")
        assert pong["Ping"] == "Pong"
        _, items = await service.send_action_list("ExtensionStateList")
        assert {m["Exten"] for m in items} >= {"2001", "2002", "2003"}
        await threads.deferToThread(asterisk.cli, "devstate change Custom:alice INUSE")
        await wait_for(
            lambda: any(
                m.event == "DeviceStateChange" and m["Device"] == "Custom:alice" for m in seen
            )
        )
        answer = await service.originate(
            "Local/3001@answering", application="Wait", data="0", variables={"HOLD_SECONDS": "0"}
        )
        assert answer.event == "OriginateResponse" and answer["Response"] == "Success"
    finally:
        await threads.deferToThread(asterisk.cli, "devstate change Custom:alice NOT_INUSE")
        await service.stopService()


@pytest_twisted.ensureDeferred
async def test_wrong_secret_clear_log_without_secret(asterisk, log_texts):
    """A wrong secret gives one clear log line per attempt and never logs the secret."""
    wrong = "wrong-" + secrets.token_hex(8)
    service = AMIClientService(reactor, make_config(asterisk, secret=wrong))
    service.startService()
    try:
        await wait_for(lambda: any("refused" in t for t in log_texts()), timeout=15)
        texts = log_texts()
        refused = [t for t in texts if "refused" in t]
        assert len(refused) == 1
        assert asterisk.ami_username in refused[0] and "Authentication failed" in refused[0]
        assert not any(wrong in t or asterisk.ami_secret in t for t in texts)
        assert not service.connected
    finally:
        await service.stopService()


@pytest_twisted.ensureDeferred
async def test_reconnects_after_asterisk_restart(asterisk):
    """Asterisk stopped and started again: the client notices, reconnects and logs in again."""
    states = []
    resyncs = []
    service = AMIClientService(reactor, make_config(asterisk), on_connected=resyncs.append)
    service.add_connection_listener(states.append)
    service.startService()
    try:
        await wait_for(lambda: service.connected)
        await threads.deferToThread(asterisk.stop)
        await wait_for(lambda: not service.connected)
        failures = []
        await service.send_action("Ping").addErrback(failures.append)
        assert failures[0].check(AMINotConnected)
        await threads.deferToThread(asterisk.start)
        await wait_for(lambda: service.connected, timeout=60)
        assert states == [True, False, True]
        assert len(resyncs) == 2
        pong = await service.send_action("Ping")
        assert pong["Ping"] == "Pong"
    finally:
        await service.stopService()
        if not service.connected:
            await threads.deferToThread(_ensure_running, asterisk)


def _ensure_running(asterisk) -> None:
    try:
        asterisk.cli("core show version")
    except Exception:
        asterisk.start()
