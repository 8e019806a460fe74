"""The caller hangs up while the lookup is slow: Asterisk sends HANGUP mid-session."""

from __future__ import annotations

import pytest
import pytest_twisted

from testing.calls import OUTCOME, AgidProcess, CallTracker
from testing.pg_directory import agid_config, create_contacts, found_number
from testing.waiting import sleep

pytestmark = pytest.mark.e2e


@pytest_twisted.ensureDeferred
async def test_hangup_during_slow_lookup(tmp_path, asterisk, postgres_server):
    """HANGUP during a 3 s lookup: no error logged and xivo-agid keeps no session open."""
    view = create_contacts(postgres_server, 10, sleep=3.0)
    config = agid_config(
        postgres_server,
        view,
        reverse_lookup={"timeout": 3.0},
        fastagi={"session_timeout": 30.0},
    )
    config["sources"]["crm"]["timeout"] = 3.0
    agid = AgidProcess(tmp_path, config)
    await agid.start()
    tracker = await CallTracker.connect(asterisk)
    try:
        # The caller gives up after 0.5 s, while xivo-agid still waits for the database.
        exten = tracker.originate(agid.port, f"<{found_number(1)}>", timeout_ms=500)
        await tracker.hung_up(exten)
        assert not set(OUTCOME) & set(tracker.variables[exten]), "dialplan went on"
        for _ in range(100):
            if agid.open_sessions() == 0:
                break
            await sleep(0.1)
        assert agid.open_sessions() == 0, "xivo-agid still holds the hung-up session"
        assert agid.process is not None and agid.process.poll() is None
    finally:
        tracker.close()
        await agid.stop()
    assert agid.errors() == []
