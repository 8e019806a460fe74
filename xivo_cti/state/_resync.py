"""Rebuild the live state from Asterisk after every (re)connect.

``resync(ami, state, changed)`` runs after each AMI login. It starts recording events
in ``state``, sends CoreShowChannels, DeviceStateList, ExtensionStateList, QueueStatus
and Agents at once (Asterisk runs them one after the other), then lets ``state``
rebuild itself from the list events plus the recorded live events, in the order they
arrived (nothing that happened during the resync is lost or reordered), and hands the
differences to ``changed``.

Failure policy: the old state is kept, marked ``stale``, and live events keep updating
it. An error answer or a timeout is retried after 1, 2, 5, 10, then every 30 s while the
connection lives; a lost connection is not retried (the next ``on_connected`` resyncs).
QueueStatus and Agents answered with an error mean the module is not loaded: no queues,
no agents. The returned Deferred never fails: it fires True once resynced, or False.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from twisted.internet.defer import Deferred, FirstError, gatherResults
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from xivo_cti.ami import AMIActionError, AMIConnectionLost, AMINotConnected, Message
from xivo_cti.state._changes import Change
from xivo_cti.state._live import LiveState

#: Actions whose list events describe the whole picture.
REQUIRED_ACTIONS = ("CoreShowChannels", "DeviceStateList", "ExtensionStateList")
#: Actions of optional modules (app_queue, app_agent_pool): an error means "none".
OPTIONAL_ACTIONS = ("QueueStatus", "Agents")
#: Delays before each retry; the last one repeats while the connection lives.
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)

log = Logger()


class ListActionSender(Protocol):
    """What resync needs of the AMI side (an AMIProtocol or AMIClientService)."""

    def send_action_list(self, action: str) -> Deferred[tuple[Message, list[Message]]]: ...


def resync(
    ami: ListActionSender,
    state: LiveState,
    changed: Callable[[Sequence[Change]], None],
    *,
    clock: IReactorTime | None = None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
) -> Deferred[bool]:
    """Rebuild ``state`` from Asterisk; retries need a ``clock`` (no clock, no retry)."""
    return Deferred.fromCoroutine(_run(ami, state, changed, clock, retry_delays))


async def _run(
    ami: ListActionSender,
    state: LiveState,
    changed: Callable[[Sequence[Change]], None],
    clock: IReactorTime | None,
    retry_delays: tuple[float, ...],
) -> bool:
    attempt = 0
    while True:
        token = state.begin_resync()
        try:
            snapshot = await _snapshot(ami)
        except Exception as e:
            state.abort_resync(token)
            if isinstance(e, AMIConnectionLost | AMINotConnected) or clock is None:
                log.warn("state resync failed, state kept as stale: {error}", error=e)
                return False
            delay = retry_delays[min(attempt, len(retry_delays) - 1)]
            log.warn("state resync failed ({error}), retrying in {delay} s", error=e, delay=delay)
        else:
            changes = state.finish_resync(token, snapshot)
            if changes is not None:
                changed(changes)
                log.info(
                    "state resynced: {channels} channels, {devices} devices, {hints} hints, "
                    "{queues} queues, {agents} agents",
                    channels=len(state.channels),
                    devices=len(state.devices),
                    hints=len(state.hints),
                    queues=len(state.queues),
                    agents=len(state.agents),
                )
                return True
            if state.resyncing or clock is None:
                return False  # a newer resync took over
            delay = retry_delays[min(attempt, len(retry_delays) - 1)]
            log.warn("state resync overflowed, retrying in {delay} s", delay=delay)
        await deferLater(clock, delay)
        attempt += 1


async def _snapshot(ami: ListActionSender) -> list[Message]:
    pending = [ami.send_action_list(name) for name in REQUIRED_ACTIONS]
    for name in OPTIONAL_ACTIONS:
        pending.append(ami.send_action_list(name).addErrback(_none_if_refused, name))
    try:
        results = await gatherResults(pending, consumeErrors=True)
    except FirstError as e:
        e.subFailure.raiseException()
    return [event for _response, events in results for event in events]


def _none_if_refused(failure: Any, name: str) -> tuple[None, list[Message]]:
    failure.trap(AMIActionError)
    log.info("{action} refused ({error}): taken as empty", action=name, error=failure.value)
    return None, []
