"""Benchmark client: AMIClientService counting events until the feeder closes.

Usage: python -m benchmarks.ami_parse.client_xivo PORT [all]  (prints ``events seconds``)

With ``all`` the listener also reads every header of every event (what panoramisk always
does), so the lazy header split is paid in full.
"""

from __future__ import annotations

import sys
import time

from twisted.internet import reactor

from xivo_cti.ami import AMIClientService, AMIConfig, Message


def main(port: int, read_all: bool) -> None:
    config = AMIConfig(port=port, secret="bench", ping_interval=3600, action_timeout=60)
    events = 0
    started = 0.0

    def count(message: Message) -> None:
        nonlocal events
        if message.event is not None:
            events += 1
            if read_all:
                message.get("Uniqueid")

    def connection(up: bool) -> None:
        nonlocal started
        if up:
            started = time.perf_counter()
        else:
            elapsed = time.perf_counter() - started
            print(events, elapsed)
            service.stopService()
            reactor.stop()

    service = AMIClientService(reactor, config)
    service.add_event_listener(count)
    service.add_connection_listener(connection)
    service.startService()
    reactor.run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:] == ["all"])
