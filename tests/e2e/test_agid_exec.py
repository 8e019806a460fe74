"""AGI commands against a real Asterisk: EXEC arguments reach an application whole
(UserEvent headers seen over AMI), variables set by ``set_variables`` (one ``EXEC MSet``)
read back whole, and GET DATA's reply and the environment read as sent.

The test process runs its own FastAGI server (``FastAGIFactory`` on a ``WriteThroughPort``)
and routes a call to it through [agi_exec]; the handler runs ``UserEvent`` with data that
would add arguments if sent unescaped.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from testing.calls import CallTracker
from testing.services.asterisk import AsteriskServer
from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import AGISession, FastAGIFactory, Reply
from xivo_agid.fastagi._command import mset_argument
from xivo_agid.fastagi._listener import WriteThroughPort
from xivo_agid.metrics import AgidMetrics
from xivo_cti.ami._message import Message

pytestmark = pytest.mark.e2e

HOSTILE = r'a,b (c) [d] "e" \f, g'
VALUES = [HOSTILE, ",", "x, Injected: yes"]
TIMEOUT = 15.0
_extensions = itertools.count(2_000_000)
T = TypeVar("T")


async def agi_call(
    asterisk: AsteriskServer,
    handler: Callable[[AGISession], Awaitable[T]],
    events: int = 0,
    callerid: str | None = None,
) -> tuple[T, list[Message]]:
    """Run ``handler`` in one call through [agi_exec]; wait for ``events`` UserEvents.

    Returns what the handler returned and the call's UserEvent events, as AMI delivered
    them.
    """
    exten = str(next(_extensions))
    finished: Deferred[T] = Deferred()
    received: list[Message] = []
    all_received: Deferred[None] = Deferred()
    if not events:
        all_received.callback(None)

    async def exec_check(session: AGISession) -> None:
        try:
            outcome = await handler(session)
        except Exception as error:
            finished.errback(error)
            raise
        finished.callback(outcome)

    def on_event(message: Message) -> None:
        if message.event == "UserEvent" and message.get("Exten") == exten:
            received.append(message)
            if len(received) == events:
                all_received.callback(None)

    factory = FastAGIFactory({"exec_check": exec_check}, FastAGIConfig(), reactor, AgidMetrics())
    port = WriteThroughPort(0, factory, backlog=5, interface="127.0.0.1", reactor=reactor)
    port.startListening()
    tracker = await CallTracker.connect(asterisk, events="user,call")
    stop_listening = tracker.ami.add_event_listener(on_event)
    try:
        d = tracker.ami.originate(
            f"Local/{exten}@agi_exec",
            application="Wait",
            data="0.1",
            callerid=callerid,
            variables={"AGIPORT": str(port.getHost().port)},
            timeout_ms=10000,
        )
        d.addErrback(lambda _: None)  # never answered: what matters are the events
        outcome = await finished.addTimeout(TIMEOUT, reactor)
        await all_received.addTimeout(TIMEOUT, reactor)
        return outcome, received
    finally:
        stop_listening()
        tracker.close()
        await port.stopListening()
        for protocol in list(factory.connections):
            protocol.transport.abortConnection()


async def exec_in_call(
    asterisk: AsteriskServer, commands: Sequence[tuple[str, ...]], events: int
) -> tuple[list[Reply], list[Message]]:
    """Run ``commands`` (application, arguments...) in one call; wait for ``events`` UserEvents.

    Returns the EXEC replies and the call's UserEvent events, as AMI delivered them.
    """

    async def run(session: AGISession) -> list[Reply]:
        return [await session.exec_app(*command) for command in commands]

    return await agi_call(asterisk, run, events)


def header_names(message: Message) -> Counter[str]:
    """How many times each header name appears in ``message``."""
    return Counter(name for name, _ in message.headers)


@pytest_twisted.ensureDeferred
async def test_userevent_values_arrive_whole(asterisk):
    """Commas, quotes, brackets and backslashes in a value give one header, exactly as sent."""
    commands = [("UserEvent", "XivoExecBaseline")]
    commands += [("UserEvent", "XivoExecCheck", "Value: " + value) for value in VALUES]
    replies, events = await exec_in_call(asterisk, commands, events=len(commands))
    assert [(r.code, r.result) for r in replies] == [(200, "0")] * len(commands)
    [baseline] = [e for e in events if e.get("UserEvent") == "XivoExecBaseline"]
    checks = [e for e in events if e.get("UserEvent") == "XivoExecCheck"]
    assert sorted(e.get_all("Value") for e in checks) == sorted([v] for v in VALUES)
    for event in checks:
        assert header_names(event) == header_names(baseline) + Counter(["Value"]), event


@pytest_twisted.ensureDeferred
async def test_last_declared_argument_is_unparsed(asterisk):
    """UserEvent declares 101 arguments: the 101st gets the rest raw, escapes and all."""
    extras = [f"K{i}: {i}" for i in range(99)]
    commands = [
        ("UserEvent", "XivoExecParsed", *extras[:98], "Last: " + HOSTILE),
        ("UserEvent", "XivoExecRaw", *extras, "Last: " + HOSTILE),
    ]
    _, events = await exec_in_call(asterisk, commands, events=2)
    last = {e["UserEvent"]: e.get_all("Last") for e in events}
    assert last == {
        "XivoExecParsed": [HOSTILE],
        "XivoExecRaw": [r"a\,b \(c\) \[d\] \"e\" \\f\, g"],
    }


@pytest_twisted.ensureDeferred
async def test_get_data_timeout_and_caller_name_as_sent(asterisk):
    """Issue 22 with a real Asterisk: GET DATA (no prompt) with no digit before its timeout
    answers ``200 result= (timeout)``: result "" and data "timeout", not an unparsable
    reply; the caller name's trailing space arrives in the environment."""

    async def get_data(session: AGISession) -> tuple[Reply, str]:
        reply = await session.command("GET", "DATA", "", "300", "4")
        return reply, session.env.calleridname

    (reply, name), _ = await agi_call(asterisk, get_data, callerid='"José " <1000>')
    assert (reply.text, reply.result, reply.data, reply.number) == (
        "200 result= (timeout)", "", "timeout", None
    )  # fmt: skip
    assert name == "José "


MSET_VALUES = [("CALLERID(name)", HOSTILE + " = 'x'"), ("XIVO_DIRECTORY_SOURCE", "a,b=c")]


@pytest_twisted.ensureDeferred
@pytest.mark.parametrize("exec_full", [False, True])
async def test_set_variables_in_one_mset_arrive_whole(asterisk, exec_full):
    """Two variables set by one EXEC MSet read back exactly as sent, also on a channel
    that has Asterisk substitute EXEC data (AGIEXECFULL); values holding ``${`` go by
    SET VARIABLE and stay literal there."""
    literal = [("CALLERID(name)", "Ca$h ${EXTEN} $[1+1]"), ("XIVO_DIRECTORY_SOURCE", "${X}")]
    assert mset_argument(MSET_VALUES) is not None and mset_argument(literal) is None

    async def run(session: AGISession) -> list[str | None]:
        if exec_full:
            await session.set_variable("AGIEXECFULL", "yes")
        read = []
        for pairs in (MSET_VALUES, literal):
            await session.set_variables(pairs)
            read += [await session.get_variable(name) for name, _value in pairs]
        return read

    read, _events = await agi_call(asterisk, run)
    assert read == [value for _name, value in MSET_VALUES + literal]
