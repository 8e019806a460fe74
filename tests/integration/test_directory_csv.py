"""Integration: the csv source on the real reactor and thread pool."""

import os

import pytest_twisted
from twisted.internet import reactor, task

from xivo_agid.config import AgidConfig, build_config
from xivo_agid.directory._numbers import caller_number
from xivo_agid.directory._service import DirectoryService
from xivo_agid.metrics import AgidMetrics


async def wait_for(service, number, name, tries=100):
    for _ in range(tries):
        contact = await service.lookup_service.lookup(caller_number(number, "FR"))
        if contact is not None and contact.name == name:
            return contact
        await task.deferLater(reactor, 0.05, lambda: None)
    return None


@pytest_twisted.ensureDeferred
async def test_default_configuration_answers_from_the_sample_phonebook():
    """With no configuration, the shipped phonebook is loaded and answers."""
    service = DirectoryService(AgidConfig(), reactor, AgidMetrics())
    service.startService()
    try:
        contact = await wait_for(service, "+33 1 23 45 67 89", "Alice Martin")
    finally:
        await service.stopService()
    assert contact is not None and contact.source == "phonebook"


@pytest_twisted.ensureDeferred
async def test_file_change_is_picked_up(tmp_path):
    """Editing the file changes the answers after the next check."""
    path = tmp_path / "pb.csv"
    path.write_text("firstname,lastname,number\nAlice,Martin,0123456789\n")
    os.utime(path, (1000, 1000))
    cfg = build_config(
        {
            "cache": {"ttl": 0},
            "sources": {
                "phonebook": {
                    "type": "csv",
                    "file": str(path),
                    "first_matched_columns": ["number"],
                    "format_columns": {"reverse": "{firstname} {lastname}"},
                    "reload_interval": 0.1,
                }
            },
        }
    )
    service = DirectoryService(cfg, reactor, AgidMetrics())
    service.startService()
    try:
        first = await wait_for(service, "0123456789", "Alice Martin")
        path.write_text("firstname,lastname,number\nCarol,Petit,0123456789\n")
        second = await wait_for(service, "0123456789", "Carol Petit")
    finally:
        await service.stopService()
    assert first is not None and second is not None
