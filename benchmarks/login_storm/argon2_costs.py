"""What one argon2id verify costs here, per parameter set (the cost of a login not cached).

    .venv/bin/python -m benchmarks.login_storm.argon2_costs [--checks 40]

For each (memory KiB, passes, lanes): the wall and CPU milliseconds of one verify in one
thread, and the wall milliseconds per verify with two threads verifying side by side
(both cores), hence the seconds 1,000 logins would take with nothing cached.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import argon2

from benchmarks._settings import announce

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=40)
    args = parser.parse_args()
    announce(args, "argon2id verify, one thread then two side by side, per parameter set")
    print("| memory | passes | lanes | 1 thread wall / CPU ms | 2 threads ms per verify |"
          " 1,000 logins, 2 threads (s) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    for memory, passes, lanes in SETS:
        hasher = argon2.PasswordHasher(
            time_cost=passes, memory_cost=memory, parallelism=lanes, type=argon2.Type.ID
        )
        stored = hasher.hash("storm-pw")
        hasher.verify(stored, "storm-pw")
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(args.checks):
            hasher.verify(stored, "storm-pw")
        wall = (time.perf_counter() - wall0) / args.checks * 1000
        cpu = (time.process_time() - cpu0) / args.checks * 1000
        with ThreadPoolExecutor(2) as pool:
            wall0 = time.perf_counter()
            list(pool.map(hasher.verify, [stored] * args.checks, ["storm-pw"] * args.checks))
            both = (time.perf_counter() - wall0) / args.checks * 1000
        print(f"| {memory // 1024} MiB | {passes} | {lanes} | {wall:.1f} / {cpu:.1f} |"
              f" {both:.1f} | {both:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
