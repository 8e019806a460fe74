"""Load through the real dialplan: 1,000 calls, 20 at a time, PostgreSQL directory."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet.defer import DeferredSemaphore, gatherResults

from testing.calls import AgidProcess, CallTracker
from testing.pg_directory import (
    agid_config,
    contact_name,
    create_contacts,
    found_number,
    unknown_number,
)

pytestmark = pytest.mark.e2e

CALLS = 1000
CONCURRENCY = 20


def _number(index: int) -> tuple[str, str]:
    """Caller number and expected name of call ``index`` (one call in five is unknown)."""
    if index % 5 == 4:
        return unknown_number(index), ""
    return found_number(index), contact_name(index)


@pytest_twisted.ensureDeferred
async def test_thousand_calls_all_complete_and_named(tmp_path, asterisk, postgres_server):
    """Every one of 1,000 calls completes and every found number gets its name."""
    table = create_contacts(postgres_server, CALLS)
    config = agid_config(postgres_server, table, reverse_lookup={"timeout": 2.0})
    config["sources"]["crm"]["timeout"] = 2.0
    agid = AgidProcess(tmp_path, config)
    await agid.start()
    tracker = await CallTracker.connect(asterisk)
    limit = DeferredSemaphore(CONCURRENCY)
    try:
        outcomes = await gatherResults(
            [limit.run(tracker.call, agid.port, f"<{_number(i)[0]}>") for i in range(CALLS)]
        )
    finally:
        tracker.close()
        await agid.stop()
    wrong = [
        (i, outcome)
        for i, outcome in enumerate(outcomes)
        if outcome["AGISTATUS_SEEN"] != "SUCCESS"
        or outcome["XIVO_RESULT_NAME"] != _number(i)[1]
        or outcome["XIVO_RESULT_NUM"] != _number(i)[0]
    ]
    assert wrong == [], f"{len(wrong)} calls wrong, first: {wrong[:3]}"
    assert agid.errors() == []
