"""Integration: the combined ``twistd xivo`` plugin, with AMI pointing at a closed port."""

import time

from testing.daemons import Daemon, fastagi_request, free_port, health


def test_serves_fastagi_and_cti_without_asterisk(tmp_path):
    """One process: FastAGI monitoring answers, CTI accepts, /health says AMI down."""
    agi, ami, cti, http = free_port(), free_port(), free_port(), free_port()
    config = (
        f"listen: {{address: 127.0.0.1, port: {agi}}}\n"
        f"ami: {{host: 127.0.0.1, port: {ami}}}\n"
        f"cti: {{address: 127.0.0.1, port: {cti}}}\n"
        f"http: {{address: 127.0.0.1, port: {http}}}\n"
    )
    daemon = Daemon("xivo", config, tmp_path)
    try:
        daemon.wait_port(agi)
        daemon.wait_port(cti)
        daemon.wait_port(http)
        commands = fastagi_request(agi, "monitoring")
        assert commands[0].startswith('EXEC "MSet" "XIVO_AGID_STATUS=OK,')
        status, report = health(http)
        assert status == 503
        assert report["checks"]["ami"]["status"] == "down"
        time.sleep(1.5)
        assert daemon.proc.poll() is None, daemon.output()
        assert fastagi_request(agi, "monitoring")[0].startswith('EXEC "MSet"')
    finally:
        daemon.stop()
