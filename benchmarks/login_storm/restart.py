"""Login storm after a restart, the verifiers handed over through systemd's fd store.

    .venv/bin/python -m benchmarks.login_storm.restart [--clients 1000]

xivo-ctid (``twistd -n xivo-ctid``, default keys) runs on the fake Asterisk of
benchmarks/isolation with ``--clients`` agents sharing one argon2id hash (as ``run.py``),
its ``NOTIFY_SOCKET`` a stand-in for systemd's (``testing/systemd.py``).  ``cold``: every
client logs in to a fresh process (nothing to hand over: a first start, or a restart
without the handoff).  The daemon is then stopped with SIGTERM and started again with
the memfd it stored passed back as systemd does on ``systemctl restart`` (fd 3,
``LISTEN_FDS``); ``restarted``: every client logs in again to the new process.  Reported
per round: seconds until every client was logged in, per-client p50/p99, refusals, the
process's CPU seconds, the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks._settings import announce, load_average
from benchmarks.asterisk_calls.cpu import cpu_seconds
from benchmarks.login_storm.run import write_users
from testing.daemons import Daemon, free_port, health
from testing.systemd import FakeSystemd
from xivo_cti.users import Argon2Cost


def start(work: Path, keys: dict, environ: dict[str, str], passed_fd: int | None) -> Daemon:
    """xivo-ctid, once its CTI port is open and AMI logged in."""
    daemon = Daemon("xivo-ctid", yaml.safe_dump(keys), work, environ=environ, passed_fd=passed_fd)
    daemon.wait_port(keys["cti"]["port"])
    deadline = time.monotonic() + 60
    while health(keys["http"]["port"])[1]["checks"]["ami"]["status"] != "up":
        if time.monotonic() > deadline:
            raise RuntimeError(f"AMI not up:\n{daemon.output()}")
        time.sleep(0.2)
    return daemon


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    args = parser.parse_args()
    announce(args, f"{args.clients} CTI clients logging in to xivo-ctid, then again after a"
             " restart that hands the verifiers over", {
                 "ami": "the fake Asterisk's",
                 "users_file": "--clients agents u0.. sharing one argon2id hash",
                 "NOTIFY_SOCKET, LISTEN_FDS": "a stand-in for systemd's (FDSTORE=1)"})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_users(work / "users.yml", args.clients, Argon2Cost())
        ami, cti, http = free_port(), free_port(), free_port()
        keys = {"ami": {"host": "127.0.0.1", "port": ami, "username": "bench", "secret": "bench"},
                "cti": {"port": cti}, "http": {"port": http},
                "users_file": str(work / "users.yml")}  # fmt: skip
        fake = subprocess.Popen([sys.executable, "-m", "benchmarks.isolation.fake_ami",
                                 "--port", str(ami)])  # fmt: skip
        systemd = FakeSystemd(work / "notify")
        time.sleep(1.0)
        daemon = start(work, keys, {"NOTIFY_SOCKET": systemd.path}, None)
        storm = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.login_storm.storm", "--port", str(cti),
             "--clients", str(args.clients), "--rounds", "cold,restarted"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert storm.stdin is not None and storm.stdout is not None
        rows = []
        try:
            for n in range(2):
                cpu0 = cpu_seconds(daemon.proc.pid)
                row = json.loads(storm.stdout.readline())
                row["cpu_s"] = round(cpu_seconds(daemon.proc.pid) - cpu0, 1)
                row["load"] = load_average()
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
                if n == 0:
                    systemd.receive()
                    assert systemd.kept, f"no descriptor stored:\n{daemon.output()}"
                    daemon.stop()
                    passed = systemd.pass_on()
                    daemon = start(work, keys, systemd.restart_environ(), passed)
                    os.close(passed)
                storm.stdin.write("\n")
                storm.stdin.flush()
            storm.wait(timeout=60)
        finally:
            storm.kill()
            daemon.stop()
            fake.terminate()
            fake.wait(timeout=10)
            systemd.close()
        kept = [line for line in daemon.output().splitlines() if "previous process" in line]
    handed = kept[0].split(" ", 2)[-1] if kept else "nothing kept"
    print(f"{args.clients} clients; after the restart: {handed}")
    print("| round | all logged in (s) | per client p50 / p99 (s) | refusals | xivo-ctid CPU s"
          " | load |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['round']} | {r['all_in_s']} | {r['p50_s']} / {r['p99_s']} |"
              f" {r['refusals'] or 0} | {r['cpu_s']} | {r['load']} |")  # fmt: skip


if __name__ == "__main__":
    main()
