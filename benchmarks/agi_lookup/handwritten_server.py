"""The hand-written peer: the FastAGI lookup a user writes in a few lines of plain Twisted.

Read the environment block, one query on the caller ID as Asterisk sent it through a
pool of txpostgres connections, one ``SET VARIABLE "CALLERID(name)"`` when a row
matched, close.  Nothing more: no other spelling of the number, no timeout, no
escaping, no second variable, no metrics.  On the daemons' reactor, as xivo-agid.

    python -m benchmarks.agi_lookup.handwritten_server --port 4575 --dsn "..." --pool 4
"""

from __future__ import annotations

import argparse

from xivo.ops import reactor as daemon_reactor

reactor = daemon_reactor.install()  # as twistd --reactor=xivo; before txpostgres imports one

from twisted.internet.protocol import Factory  # noqa: E402
from twisted.protocols.basic import LineOnlyReceiver  # noqa: E402
from txpostgres import txpostgres  # noqa: E402

QUERY = "select firstname||' '||lastname from contacts where number=%s or mobile=%s limit 1"


class Lookup(LineOnlyReceiver):
    delimiter = b"\n"

    def __init__(self, pool: txpostgres.ConnectionPool) -> None:
        self.pool = pool
        self.env: dict[bytes, bytes] | None = {}

    def lineReceived(self, line: bytes) -> None:
        if self.env is None:  # Asterisk's reply to SET VARIABLE
            self.transport.loseConnection()
        elif line:
            name, _, value = line.partition(b": ")
            self.env[name] = value
        else:
            callerid = self.env[b"agi_callerid"].decode()
            self.env = None
            d = self.pool.runQuery(QUERY, (callerid, callerid))
            d.addCallbacks(self.found, lambda _: self.transport.loseConnection())

    def found(self, rows: list) -> None:
        if rows:
            self.transport.write(f'SET VARIABLE "CALLERID(name)" "{rows[0][0]}"\n'.encode())
        else:
            self.transport.loseConnection()


class LookupFactory(Factory):
    def __init__(self, pool: txpostgres.ConnectionPool) -> None:
        self.pool = pool

    def buildProtocol(self, addr: object) -> Lookup:
        return Lookup(self.pool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--pool", type=int, default=4)
    args = parser.parse_args()
    pool = txpostgres.ConnectionPool(None, args.dsn, min=args.pool)
    factory = LookupFactory(pool)
    pool.start().addCallback(lambda _: reactor.listenTCP(args.port, factory, 1024, "127.0.0.1"))
    reactor.run()


if __name__ == "__main__":
    main()
