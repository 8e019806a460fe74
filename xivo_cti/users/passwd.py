"""``xivo-ctid-passwd``: print an argon2id hash for a users file's ``password_hash``."""

from __future__ import annotations

import argparse
import getpass
import sys

from xivo_cti.users.hashing import hash_password

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Read a password (prompt, or one line of stdin with ``--stdin``) and print its hash."""
    parser = argparse.ArgumentParser(
        prog="xivo-ctid-passwd", description="Print an argon2id hash for a CTI user's password."
    )
    parser.add_argument("--stdin", action="store_true", help="read the password from stdin")
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
    sys.stdout.write(hash_password(password) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
