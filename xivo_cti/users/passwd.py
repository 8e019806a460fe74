"""``xivo-ctid-passwd``: print an argon2id hash for a users file's ``password_hash``.

The cost defaults to ``hashing.COST``; ``--memory`` and ``--passes`` choose another (each
login that is not in the verifier cache pays it, see the README's Security section).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from xivo_cti.users._hashing import COST, Argon2Cost, hash_password

__all__ = ["main"]


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    """Read a password (prompt, or one line of stdin with ``--stdin``) and print its hash."""
    parser = argparse.ArgumentParser(
        prog="xivo-ctid-passwd", description="Print an argon2id hash for a CTI user's password."
    )
    parser.add_argument("--stdin", action="store_true", help="read the password from stdin")
    parser.add_argument("--memory", type=_at_least(8), default=COST.memory_kib, help="KiB")
    parser.add_argument("--passes", type=_at_least(1), default=COST.passes)
    args = parser.parse_args(argv)
    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            sys.stderr.write("xivo-ctid-passwd: the passwords differ\n")
            return 1
    if not password:
        sys.stderr.write("xivo-ctid-passwd: empty password refused\n")
        return 1
    cost = Argon2Cost(memory_kib=args.memory, passes=args.passes)
    sys.stdout.write(hash_password(password, cost) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
