"""Login-storm benchmark: N CTI clients logging in at once, cold then warm, FastAGI probed.

    .venv/bin/python -m benchmarks.login_storm.run [--clients 1000] [--deployment combined]
        [--memory 7168 --passes 5]

The real daemons (``twistd -n xivo``, or ``--deployment separate``: xivo-agid and
xivo-ctid) run on free loopback ports with a CSV directory of ``--contacts`` numbers
(cache off) and the fake Asterisk of benchmarks/isolation, on the default ``cti`` keys.
``--clients`` users u0.. share one argon2id hash of the cost given (``--memory`` KiB,
``--passes``; the cost of each check, not the hash, is what is measured).  A FastAGI
probe (``probe.py``, one lookup at a time) runs throughout; ``storm.py`` logs every
client in at once on a fresh daemon (``cold``: nothing cached, as after a restart),
then drops every socket and logs them in again (``warm``: a network blip).  Reported
per round: seconds until every client was logged in, per-client p50/p99, refusals and
retries, the daemons' CPU and peak RSS, and the probe's lookup p50/p99/max during the
round against the idle seconds before it.
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

from benchmarks._settings import announce, load_average, run_queue_wait
from benchmarks.asterisk_calls.cpu import cpu_seconds
from benchmarks.isolation.run import agid_keys, write_phonebook
from benchmarks.login_storm.passes import report_passes
from benchmarks.login_storm.probe import figures
from benchmarks.login_storm.readings import closes, listen_overflows, peak_rss_mb
from benchmarks.login_storm.storm import PASSWORD
from testing.daemons import Daemon, free_port, health
from xivo_cti.users import Argon2Cost, hash_password


def departures(cost: Argon2Cost) -> dict[str, str]:
    """Each setting that is not the shipped default, and why."""
    changed = {
        "cache.ttl": "0: every FastAGI request is a real lookup",
        "sources": "one CSV source of --contacts numbers instead of the sample phonebook",
        "ami.host, port, username, secret": "the fake Asterisk's",
        "users_file": "--clients agents u0.. sharing one argon2id hash (the cost of a check,"
        " not the hash, is measured)",
    }
    if cost != Argon2Cost():
        changed["argon2id cost"] = f"m={cost.memory_kib} KiB t={cost.passes}, asked for"
    return changed


def write_users(path: Path, count: int, cost: Argon2Cost) -> None:
    """``count`` agents u0.. with one argon2id hash of the storm's password."""
    stored = hash_password(PASSWORD, cost)
    users = [{"login": f"u{i}", "password_hash": stored, "extension": str(10000 + i),
              "line": f"PJSIP/u{i}", "profile": "agent"} for i in range(count)]  # fmt: skip
    path.write_text(yaml.safe_dump(users))


def start(work: Path, args: argparse.Namespace, ami: int) -> tuple[list[Daemon], int, int, int]:
    """The daemons, the FastAGI, CTI and (xivo-ctid's) HTTP ports; waits until AMI is
    logged in and the CSV directory loaded."""
    agi, cti, http = free_port(), free_port(), free_port()
    agid = agid_keys(work, agi)
    ctid = {
        "ami": {"host": "127.0.0.1", "port": ami, "username": "bench", "secret": "bench"},
        "cti": {"port": cti},
        "users_file": str(work / "users.yml"),
        "http": {"port": http},
    }
    agid_http = http
    plan = [("xivo", {**agid, **ctid})]
    if args.deployment == "separate":
        agid_http = free_port()
        agid["http"] = {"port": agid_http}
        plan = [("xivo-agid", agid), ("xivo-ctid", ctid)]
    daemons = [Daemon(name, yaml.safe_dump(keys), work, launcher=timed(work, name))
               for name, keys in plan]  # fmt: skip
    if args.deployment == "separate":
        # The priority init/xivo-agid.service gives it (Nice=-5), as deployed.
        os.setpriority(os.PRIO_PROCESS, daemons[0].proc.pid, args.agid_nice)
    for daemon in daemons:
        daemon.wait_port(cti if daemon.plugin != "xivo-agid" else agi)
    deadline = time.monotonic() + 60
    while not ready(http, agid_http):
        if time.monotonic() > deadline:
            raise RuntimeError("not ready:\n" + "\n".join(d.output() for d in daemons))
        time.sleep(0.2)
    return daemons, agi, cti, http


def timed(work: Path, plugin: str) -> list[str]:
    """twistd on the timed reactor of ``passes.py``, its passes written to work."""
    return [sys.executable, "-m", "benchmarks.login_storm.passes", str(work / f"{plugin}.passes")]


def ready(ctid_http: int, agid_http: int) -> bool:
    """AMI logged in and the CSV directory loaded."""
    ami = health(ctid_http)[1]["checks"]["ami"]["status"]
    return ami == health(agid_http)[1]["checks"]["directory.phonebook"]["status"] == "up"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--deployment", choices=["combined", "separate"], default="combined")
    parser.add_argument("--memory", type=int, default=Argon2Cost().memory_kib, help="KiB")
    parser.add_argument("--passes", type=int, default=Argon2Cost().passes)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--idle", type=float, default=5.0, help="probe-only seconds first")
    parser.add_argument("--after", type=float, default=10.0, help="seconds before RSS after")
    parser.add_argument("--warm", type=int, default=5, help="warm rounds (the probe's p99)")
    parser.add_argument("--agid-nice", type=int, default=-5, help="separate xivo-agid's nice")
    args = parser.parse_args()
    cost = Argon2Cost(memory_kib=args.memory, passes=args.passes)
    runs = (f"{args.clients} CTI clients logging in at once to {args.deployment} daemons, cold"
            f" then warm {args.warm} times, with a FastAGI probe of 100 lookups/s")  # fmt: skip
    announce(args, runs, departures(cost))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_phonebook(work / "phonebook.csv", args.contacts)
        write_users(work / "users.yml", args.clients, cost)
        ami = free_port()
        fake = subprocess.Popen([sys.executable, "-m", "benchmarks.isolation.fake_ami",
                                 "--port", str(ami)])  # fmt: skip
        time.sleep(1.0)
        daemons, agi, cti, _http = start(work, args, ami)
        ctid = daemons[-1].proc.pid
        probe = subprocess.Popen([sys.executable, "-m", "benchmarks.login_storm.probe",
                                  "--port", str(agi), "--out", str(work / "probe.json"),
                                  "--contacts", str(args.contacts)])  # fmt: skip
        try:
            rows = run_rounds(args, cti, ctid, work)
        finally:
            probe.terminate()
            probe.wait(timeout=30)
            for daemon in daemons:
                daemon.stop()
            fake.terminate()
            fake.wait(timeout=10)
        figures = json.loads((work / "probe.json").read_text())
        logs = "\n".join(d.output() for d in daemons)
        closed = closes(logs)
        timings = {d.plugin: json.loads((work / f"{d.plugin}.passes").read_text()) for d in daemons}
    report(args, rows, figures)
    print(f"clients closed by xivo-ctid: {dict(closed) or 'none'}")
    report_passes(rows, timings)
    for plugin, record in timings.items():
        print(f"{plugin} memory at its stop: {record['memory']}")
    print("malloc, every arena:", " ".join(logs.split("Total (incl. mmap):")[-1].split()[:8]))


def run_rounds(args: argparse.Namespace, cti: int, ctid: int, work: Path) -> list[dict]:
    """Idle seconds, the cold storm, then each warm storm after a pause: one row each;
    then the RSS once every client has left."""
    time.sleep(1.0)
    idle_start = time.time()
    time.sleep(args.idle)
    rows = [{"round": "idle", "start": idle_start, "end": time.time(),
             "ctid_rss_mb": peak_rss_mb(ctid, "VmRSS")}]  # fmt: skip
    names = ["cold", *(f"warm {n}" for n in range(1, args.warm + 1))]
    storm = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.login_storm.storm", "--port", str(cti),
         "--clients", str(args.clients), "--rounds", ",".join(names)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert storm.stdin is not None and storm.stdout is not None
    reactor = f"{ctid}/task/{ctid}"
    for _name in names:
        cpu0, drops0, waited0 = cpu_seconds(ctid), listen_overflows(), run_queue_wait(reactor)
        reactor_cpu0 = cpu_seconds(reactor)
        row = json.loads(storm.stdout.readline())
        row["ctid_cpu_s"] = round(cpu_seconds(ctid) - cpu0, 1)
        row["reactor_cpu_s"] = round(cpu_seconds(reactor) - reactor_cpu0, 1)
        row["reactor_waited_s"] = round(run_queue_wait(reactor) - waited0, 2)
        row["listen_overflows"] = listen_overflows() - drops0
        row["ctid_peak_rss_mb"] = peak_rss_mb(ctid)
        row["load"] = load_average().split()[0]
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        time.sleep(3.0)
        storm.stdin.write("\n")
        storm.stdin.flush()
    storm.wait(timeout=60)
    time.sleep(args.after)
    rss = rows[0]["ctid_rss_mb"], peak_rss_mb(ctid), peak_rss_mb(ctid, "VmRSS")
    print(f"xivo-ctid RSS: {rss[0]} MB before the storms, peak {rss[1]} MB, {rss[2]} MB"
          f" {args.after:g} s after every client left", file=sys.stderr)  # fmt: skip
    return rows


def report(args: argparse.Namespace, rows: list[dict], probe: dict) -> None:
    print(f"{args.clients} clients, {args.deployment}, argon2id m={args.memory} KiB"
          f" t={args.passes} p=1; probe errors {probe['errors']}")  # fmt: skip
    print("| round | all logged in (s) | per client p50 / p99 (s) | refusals | xivo-ctid CPU s"
          " | of it the reactor thread's | reactor waited for a CPU (s) | peak RSS MB"
          " | listen overflows | lookups | lookup p50 / p99 / max (ms) | load (1 min) |"
          )  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    warm = [r for r in rows if r["round"].startswith("warm")]
    pooled = {"round": f"{len(warm)} warm rounds", "start": 0.0, "end": 0.0}
    for r in [*rows, pooled] if len(warm) > 1 else rows:
        p = figures(probe, [(w["start"], w["end"]) for w in (warm if r is pooled else [r])])
        lookup = f"{p.get('p50_ms')} / {p.get('p99_ms')} / {p.get('max_ms')}"
        print(f"| {r['round']} | {r.get('all_in_s', '-')} | {r.get('p50_s', '-')} /"
              f" {r.get('p99_s', '-')} | {r.get('refusals', '-') or 0} |"
              f" {r.get('ctid_cpu_s', '-')} | {r.get('reactor_cpu_s', '-')} |"
              f" {r.get('reactor_waited_s', '-')} |"
              f" {r.get('ctid_peak_rss_mb', '-')} | {r.get('listen_overflows', '-')} |"
              f" {p['lookups']} | {lookup} | {r.get('load', '-')} |")  # fmt: skip


if __name__ == "__main__":
    main()
