"""What one argon2id verify costs here, per parameter set (the cost of a login not cached).

    .venv/bin/python -m benchmarks.login_storm.argon2_costs [--checks 40]

For each (memory KiB, passes, lanes) and each library (argon2-cffi, and the daemon's
``verify_password``: libsodium for one lane): the wall and CPU milliseconds of one verify
in one thread, and the wall milliseconds per verify with two threads verifying side by
side (both cores), hence the seconds 1,000 logins would take with nothing cached.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import argon2

from benchmarks._settings import announce
from xivo_cti.users import Argon2Cost
from xivo_cti.users._hashing import hash_password, verify_password

SETS = [
    (65536, 3, 4),  # RFC 9106's second recommendation; argon2-cffi's default (before)
    (65536, 3, 1),
    (47104, 1, 1),  # OWASP's five equivalent settings, strongest memory first
    (19456, 2, 1),
    (12288, 3, 1),
    (9216, 4, 1),
    (7168, 5, 1),  # chosen for new hashes (hashing.COST)
    (4096, 3, 1),  # below OWASP's floor, for scale
]


def timed(verify: Callable[[str, str], object], stored: str, checks: int) -> tuple[float, ...]:
    """Wall and CPU ms of one verify in one thread, wall ms per verify with two threads."""
    verify(stored, "storm-pw")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(checks):
        verify(stored, "storm-pw")
    wall = (time.perf_counter() - wall0) / checks * 1000
    cpu = (time.process_time() - cpu0) / checks * 1000
    with ThreadPoolExecutor(2) as pool:
        wall0 = time.perf_counter()
        list(pool.map(verify, [stored] * checks, ["storm-pw"] * checks))
        both = (time.perf_counter() - wall0) / checks * 1000
    return wall, cpu, both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=40)
    args = parser.parse_args()
    announce(args, "argon2id verify, one thread then two side by side, per parameter set")
    print("| memory | passes | lanes | library | 1 thread wall / CPU ms |"
          " 2 threads ms per verify | 1,000 logins, 2 threads (s) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for memory, passes, lanes in SETS:
        stored = hash_password(
            "storm-pw", Argon2Cost(memory_kib=memory, passes=passes, lanes=lanes)
        )
        daemon = "libsodium" if lanes == 1 else "argon2-cffi (daemon)"
        for library, verify in (
            ("argon2-cffi", argon2.PasswordHasher().verify),
            (daemon, verify_password),
        ):
            wall, cpu, both = timed(verify, stored, args.checks)
            print(f"| {memory // 1024} MiB | {passes} | {lanes} | {library} |"
                  f" {wall:.1f} / {cpu:.1f} | {both:.1f} | {both:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
