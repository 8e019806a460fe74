"""xivo-agid's FastAGI server with ``callerid_lookup`` on a PostgreSQL source, for the benchmark.

It runs on the daemons' reactor (``xivo.ops.reactor``), as the systemd unit does, with
xivo-agid's shipped defaults except the cache's ``ttl`` and the pool size when given.

python -m benchmarks.agi_lookup.xivo_server --port 4573 --dsn "..." --cache-ttl 0
"""

from __future__ import annotations

import argparse

from xivo.ops import reactor as daemon_reactor

reactor = daemon_reactor.install()  # as twistd --reactor=xivo; before txpostgres imports one

from xivo_agid.config import build_config  # noqa: E402
from xivo_agid.directory._service import DirectoryService  # noqa: E402
from xivo_agid.fastagi import FastAGIFactory  # noqa: E402
from xivo_agid.fastagi._listener import WriteThroughPort  # noqa: E402
from xivo_agid.handlers._callerid_lookup import CallerIdLookup  # noqa: E402
from xivo_agid.metrics import AgidMetrics  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--pool", type=int, help="PostgreSQL connections (default: shipped)")
    parser.add_argument("--cache-ttl", type=float, default=0.0, help="0 turns the cache off")
    parser.add_argument("--number-format", default="any", help="how the table stores numbers")
    args = parser.parse_args()
    config = build_config(
        {
            "cache": {"ttl": args.cache_ttl},
            "reverse_lookup": {"sources": ["crm"]},
            "sources": {
                "crm": {
                    "type": "postgresql",
                    "dsn": args.dsn,
                    "table": "contacts",
                    "first_matched_columns": ["number", "mobile"],
                    "format_columns": {"reverse": "{firstname} {lastname}"},
                    "number_format": args.number_format,
                    **({"concurrency": args.pool} if args.pool else {}),
                }
            },
        }
    )
    metrics = AgidMetrics()
    directory = DirectoryService(config, reactor, metrics)
    handler = CallerIdLookup(directory.lookup_service, config.default_country)
    factory = FastAGIFactory({"callerid_lookup": handler}, config.fastagi, reactor, metrics)
    directory.startService()
    port = WriteThroughPort(
        args.port, factory, backlog=config.listen.backlog, interface="127.0.0.1", reactor=reactor
    )
    port.startListening()
    reactor.run()


if __name__ == "__main__":
    main()
