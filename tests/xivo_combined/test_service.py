"""Tests for xivo_combined.service."""

import pytest
from twisted.python import usage

from tests.xivo_cti.test_service import FakeReactor
from xivo_agid.fastagi._listener import WriteThroughPort
from xivo_combined.config import build_config
from xivo_combined.service import Options, makeService


def test_options_reject_unknown_key(tmp_path):
    """A key neither daemon knows makes a usage error naming it."""
    path = tmp_path / "xivo.yml"
    path.write_text("lisen: {port: 1}\n")
    with pytest.raises(usage.UsageError, match="lisen: unknown key"):
        Options().parseOptions(["--config", str(path)])


def test_one_process_listens_for_fastagi_cti_and_http():
    """The combined service listens on FastAGI, CTI and one HTTP port, and dials AMI; it
    asks the daemons' reactor to serve FastAGI's sockets first."""
    config = build_config(
        {
            "listen": {"port": 0},
            "ami": {"port": 15038},
            "cti": {"port": 15003},
            "http": {"port": 19500},
        }
    )
    reactor = FakeReactor()
    asked = []
    reactor.serve_urgent_first = lambda: asked.append(len(reactor.readers))
    svc = makeService(config, reactor)
    svc.startService()
    assert asked == [0]  # FastAGI ahead of CTI clients, asked before any socket is watched
    try:
        ports = sorted(port for port, *_ in reactor.tcpServers)
        assert ports == [15003, 19500]
        (fastagi,) = [r for r in reactor.readers if isinstance(r, WriteThroughPort)]
        assert fastagi.getHost().port > 0
        assert [port for _host, port, *_ in reactor.tcpClients] == [15038]
    finally:
        svc.stopService()
