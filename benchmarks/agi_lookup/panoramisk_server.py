"""The peer: a panoramisk FastAGI server doing the same lookup with async psycopg 3.

Same work as xivo-agid's handler: the caller's number spelt every usual way
(the same ``number_candidates``), one parameterised query on the same indexed
table through a small pool of async connections, then ``SET VARIABLE`` twice.

    python -m benchmarks.agi_lookup.panoramisk_server --port 4574 --dsn "..."
"""

from __future__ import annotations

import argparse
import asyncio

import psycopg
from panoramisk.fast_agi import Application

from xivo_agid.directory._numbers import number_candidates

QUERY = (
    'SELECT "firstname", "lastname" FROM "contacts"'
    ' WHERE "number" = ANY(%s) OR "mobile" = ANY(%s) LIMIT 1'
)


def lookup_route(pool: asyncio.Queue):
    """The route: look the caller up, set the name, close the connection."""

    async def callerid_lookup(request) -> None:
        try:
            number = request.headers.get("agi_callerid", "")
            candidates = list(number_candidates(number, "FR"))
            conn = await pool.get()
            try:
                async with asyncio.timeout(0.5):
                    cursor = await conn.execute(QUERY, (candidates, candidates))
                    row = await cursor.fetchone()
            finally:
                pool.put_nowait(conn)
            if row:
                name = " ".join(f"{row[0] or ''} {row[1] or ''}".split()).replace('"', '\\"')
                await request.send_command(f'SET VARIABLE "CALLERID(name)" "{name}"')
                await request.send_command('SET VARIABLE "XIVO_DIRECTORY_SOURCE" "crm"')
        finally:
            request.writer.close()

    return callerid_lookup


async def serve(port: int, dsn: str, size: int) -> None:
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(size):
        pool.put_nowait(await psycopg.AsyncConnection.connect(dsn, autocommit=True))
    app = Application()
    app.add_route("callerid_lookup", lookup_route(pool))
    server = await asyncio.start_server(app.handler, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--pool", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.dsn, args.pool))


if __name__ == "__main__":
    main()
