"""Isolation benchmark: FastAGI reverse-lookup latency while the CTI side is saturated.

    .venv/bin/python -m benchmarks.isolation.run [--clients 500] [--seconds 10]

For each deployment, ``combined`` (one ``twistd -n xivo`` process) and ``separate``
(``twistd -n xivo-agid`` and ``twistd -n xivo-ctid``), the real daemons are started on
free loopback ports with a CSV directory of ``--contacts`` numbers (cache off, so every
request is a real lookup) and a fake Asterisk (``fake_ami.py``).  FastAGI latency is
measured twice with the load generator of benchmarks/agi_lookup (``loadgen.py``, its
own process): idle (AMI connected, no events, no CTI client), then loaded: ``--clients``
CTI clients logged in as supervisors (benchmarks/cti_fanout's ``run_clients``, its own
process) while the fake Asterisk replays the recorded 300-call burst in a loop as fast
as xivo-ctid reads it.  Also reported: AMI events/s taken in (from /metrics), CTI bytes
pushed, and CPU used by each daemon process during the loaded run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt
import yaml

from benchmarks._settings import announce
from benchmarks.asterisk_calls.cpu import cpu_seconds
from benchmarks.cti_fanout.clients import run_clients
from testing.daemons import Daemon, free_port, health, http_get

USERS = 100
BUSY_LINE = "Local/1000@incoming"
"""The device of every call in the recording: user u0's phone, pushed on each change."""


def write_phonebook(path: Path, contacts: int) -> None:
    """The numbers the load generator asks for (``0`` + 100000000 + i), one per row."""
    rows = (f"First{i},Last{i},0{100000000 + i}\n" for i in range(contacts))
    path.write_text("firstname,lastname,number\n" + "".join(rows))


def write_users(path: Path) -> None:
    """``USERS`` supervisors u0..u99, password ``pw`` (cheap bcrypt)."""
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    users = [
        {"login": f"u{i}", "password_hash": pw, "extension": str(2000 + i),
         "line": BUSY_LINE if i == 0 else f"PJSIP/u{i}", "profile": "supervisor"}
        for i in range(USERS)
    ]  # fmt: skip
    path.write_text(yaml.safe_dump(users))


def agid_keys(work: Path, port: int) -> dict:
    """xivo-agid's keys: FastAGI port and the CSV directory, cache off."""
    return {
        "listen": {"address": "127.0.0.1", "port": port},
        "cache": {"ttl": 0},
        "reverse_lookup": {"sources": ["phonebook"], "timeout": 0.5},
        "sources": {
            "phonebook": {
                "type": "csv",
                "file": str(work / "phonebook.csv"),
                "first_matched_columns": ["number"],
                "format_columns": {"reverse": "{firstname} {lastname}"},
            }
        },
    }


def ctid_keys(work: Path, ami: int, cti: int, args: argparse.Namespace) -> dict:
    """xivo-ctid's keys: the fake Asterisk and a CTI port open to many local clients."""
    return {
        "ami": {
            "host": "127.0.0.1",
            "port": ami,
            "username": "bench",
            "secret": "bench",
            **({"events_per_pass": args.events_per_pass} if args.events_per_pass else {}),
            **({"time_per_pass": args.time_per_pass} if args.time_per_pass else {}),
        },
        "cti": {
            **({"push_interval": args.push_interval} if args.push_interval is not None else {}),
            **({"writes_per_pass": args.writes_per_pass} if args.writes_per_pass else {}),
            **({"write_time_per_pass": args.write_time} if args.write_time else {}),
            "port": cti,
            "login_timeout": 120,
            "max_connections_per_address": 100_000,
            "max_login_failures_per_address": 100_000,
            "output_buffer_limit": 16 << 20,
        },
        "users_file": str(work / "users.yml"),
    }


class Deployment:
    """The daemons of one deployment and the ports to reach them."""

    def __init__(self, name: str, work: Path, ami: int, args: argparse.Namespace) -> None:
        self.name = name
        self.agi, self.cti = free_port(), free_port()
        self.http_agid = self.http_ctid = free_port()
        agid, ctid = agid_keys(work, self.agi), ctid_keys(work, ami, self.cti, args)
        folder = work / name
        folder.mkdir()
        if name == "combined":
            config = {**agid, **ctid, "http": {"port": self.http_ctid}}
            self.daemons = [Daemon("xivo", yaml.safe_dump(config), folder)]
        else:
            self.http_agid = free_port()
            agid["http"] = {"port": self.http_agid}
            ctid["http"] = {"port": self.http_ctid}
            self.daemons = [
                Daemon("xivo-agid", yaml.safe_dump(agid), folder),
                Daemon("xivo-ctid", yaml.safe_dump(ctid), folder),
            ]
            # The priority init/xivo-agid.service gives it (Nice=-5), as deployed.
            os.setpriority(os.PRIO_PROCESS, self.daemons[0].proc.pid, args.agid_nice)

    def wait_ready(self) -> None:
        """Wait for each daemon's HTTP port, then for AMI logged in and the CSV loaded."""
        ports = [self.http_ctid] if len(self.daemons) == 1 else [self.http_agid, self.http_ctid]
        for daemon, port in zip(self.daemons, ports, strict=True):
            daemon.wait_port(port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ami = health(self.http_ctid)[1]["checks"]["ami"]["status"]
            csv = health(self.http_agid)[1]["checks"]["directory.phonebook"]["status"]
            if ami == csv == "up":
                return
            time.sleep(0.2)
        logs = "\n".join(d.output() for d in self.daemons)
        raise RuntimeError(f"{self.name}: not ready:\n{logs}")

    def ami_events(self) -> float:
        _status, body = http_get(self.http_ctid, "/metrics")
        for line in body.decode().splitlines():
            if line.startswith("xivo_ctid_ami_events_total "):
                return float(line.split()[1])
        return 0.0

    def cpu_seconds(self) -> list[float]:
        return [cpu_seconds(daemon.proc.pid) for daemon in self.daemons]

    def stop(self) -> None:
        for daemon in self.daemons:
            daemon.stop()


BUDGETS = frozenset(
    {"events_per_pass", "time_per_pass", "push_interval", "writes_per_pass", "write_time_per_pass"}
)
"""The per-pass keys of ``ctid_keys``: set only when asked for on the command line."""


def departures(args: argparse.Namespace) -> dict[str, str]:
    """Each setting that is not the shipped default, and why."""
    changed = {
        "cache.ttl": "0: every request is a real lookup",
        "sources": "one CSV source of --contacts numbers instead of the sample phonebook",
        "cti.max_connections_per_address": "100,000: every client comes from 127.0.0.1",
        "cti.max_login_failures_per_address": "100,000: a login being checked counts against"
        " its address, and every client comes from 127.0.0.1",
        "cti.login_timeout": "120 s: hundreds of logins at once take longer than 5 s",
        "cti.output_buffer_limit": "16 MiB: the one reader process drains its sockets in"
        " turn, and with the 1 MiB default clients were dropped instead of served",
        "ami.host, port, username, secret": "the fake Asterisk's",
    }
    asked = ctid_keys(Path(), 0, 0, args)
    for section in ("ami", "cti"):
        for key in BUDGETS & asked[section].keys():
            changed[f"{section}.{key}"] = f"{asked[section][key]}, asked for on the command line"
    return changed


def loadgen(port: int, args: argparse.Namespace) -> dict:
    command = [sys.executable, "-m", "benchmarks.agi_lookup.loadgen", "--port", str(port)]
    command += ["--concurrency", str(args.concurrency), "--seconds", str(args.seconds)]
    command += ["--warmup", str(args.warmup), "--contacts", str(args.contacts)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(name: str, work: Path, args: argparse.Namespace) -> list[dict]:
    """Idle then loaded figures of one deployment."""
    ami_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.isolation.fake_ami", "--port", str(ami_port)]
    )
    time.sleep(1.0)
    deployment = Deployment(name, work, ami_port, args)
    try:
        deployment.wait_ready()
        idle = {"deployment": name, "load": "idle", **loadgen(deployment.agi, args)}
        print(json.dumps(idle), file=sys.stderr)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        duration = args.warmup + args.seconds + 4
        swarm = multiprocessing.Process(
            target=run_clients, args=(deployment.cti, args.clients, USERS, duration, queue)
        )
        swarm.start()
        assert queue.get(timeout=300) == "ready"
        fake.send_signal(signal.SIGUSR1)
        time.sleep(2.0)
        events0, cpu0, t0 = deployment.ami_events(), deployment.cpu_seconds(), time.monotonic()
        loaded = {"deployment": name, "load": "loaded", **loadgen(deployment.agi, args)}
        elapsed = time.monotonic() - t0
        events1, cpu1 = deployment.ami_events(), deployment.cpu_seconds()
        fake.send_signal(signal.SIGUSR2)
        report = queue.get(timeout=120)
        swarm.join()
        loaded["ami_events_per_s"] = round((events1 - events0) / elapsed)
        loaded["cti_mb_pushed"] = round(report["bytes"] / 1e6)
        loaded["cpu"] = [round((b - a) / elapsed * 100) for a, b in zip(cpu0, cpu1, strict=True)]
        print(json.dumps(loaded), file=sys.stderr)
        return [idle, loaded]
    finally:
        deployment.stop()
        fake.terminate()
        fake.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--only", nargs="*", default=["combined", "separate"])
    parser.add_argument("--agid-nice", type=int, default=-5, help="separate xivo-agid's nice")
    parser.add_argument("--events-per-pass", type=int, default=0, help="ami.events_per_pass")
    parser.add_argument("--push-interval", type=float, default=None, help="cti.push_interval")
    parser.add_argument("--writes-per-pass", type=int, default=0, help="cti.writes_per_pass")
    parser.add_argument("--time-per-pass", type=float, default=0, help="ami.time_per_pass")
    parser.add_argument("--write-time", type=float, default=0, help="cti.write_time_per_pass")
    args = parser.parse_args()
    runs = (
        "the real daemons (twistd --reactor=xivo) as plugin xivo, then xivo-agid + xivo-ctid,"
        " with a fake Asterisk, --clients CTI clients and the FastAGI load generator"
    )
    announce(args, runs, departures(args))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_phonebook(work / "phonebook.csv", args.contacts)
        write_users(work / "users.yml")
        for name in args.only:
            rows += measure(name, work, args)
    print("| deployment | CTI side | req/s | p50 ms | p99 ms | max ms | named | errors |"
          " AMI events/s | daemon CPU % |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        cpu = " + ".join(str(c) for c in r.get("cpu", [])) or "-"
        print(
            f"| {r['deployment']} | {r['load']} | {r['requests_per_s']:,.0f} | {r['p50_ms']} |"
            f" {r['p99_ms']} | {r['max_ms']} | {r['named_share']:.0%} | {r['errors']} |"
            f" {r.get('ami_events_per_s', 0):,} | {cpu} |"
        )


if __name__ == "__main__":
    main()
