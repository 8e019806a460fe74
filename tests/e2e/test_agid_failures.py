"""Calls go on through the real dialplan when xivo-agid or its database is down."""

from __future__ import annotations

import time

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from testing.calls import AgidProcess, CallTracker
from testing.pg_directory import agid_config, contact_name, create_contacts, found_number
from testing.waiting import sleep

pytestmark = pytest.mark.e2e


@pytest_twisted.ensureDeferred
async def test_agid_stopped_call_goes_on(tmp_path, asterisk, postgres_server):
    """With xivo-agid stopped the AGI fails and the next priorities still run."""
    table = create_contacts(postgres_server, 10)
    agid = AgidProcess(tmp_path, agid_config(postgres_server, table))
    await agid.start()
    tracker = await CallTracker.connect(asterisk)
    try:
        await agid.stop()
        outcome = await tracker.call(agid.port, f"<{found_number(1)}>")
    finally:
        tracker.close()
        await agid.stop()
    assert outcome == {
        "XIVO_RESULT_NAME": "",
        "XIVO_RESULT_NUM": found_number(1),
        "AGISTATUS_SEEN": "FAILURE",
    }


@pytest_twisted.ensureDeferred
async def test_database_stopped_calls_go_on(tmp_path, asterisk, postgres_server):
    """With PostgreSQL stopped calls finish unnamed within the deadline; names come back."""
    table = create_contacts(postgres_server, 10)
    agid = AgidProcess(tmp_path, agid_config(postgres_server, table))
    await agid.start()
    tracker = await CallTracker.connect(asterisk)
    try:
        first = await tracker.call(agid.port, f"<{found_number(1)}>")
        assert first["XIVO_RESULT_NAME"] == contact_name(1)
        await deferToThread(postgres_server.stop)
        try:
            for index in range(2, 7):
                started = time.monotonic()
                outcome = await tracker.call(agid.port, f"<{found_number(index)}>")
                elapsed = time.monotonic() - started
                assert outcome["AGISTATUS_SEEN"] == "SUCCESS"
                assert outcome["XIVO_RESULT_NAME"] == ""
                assert outcome["XIVO_RESULT_NUM"] == found_number(index)
                assert elapsed < 0.5 + 2.0, f"call took {elapsed:.2f} s (deadline 0.5 s)"
        finally:
            await deferToThread(postgres_server.start)
        named = ""
        for _ in range(40):
            named = (await tracker.call(agid.port, f"<{found_number(7)}>"))["XIVO_RESULT_NAME"]
            if named:
                break
            await sleep(0.5)
        assert named == contact_name(7)
    finally:
        tracker.close()
        await agid.stop()
