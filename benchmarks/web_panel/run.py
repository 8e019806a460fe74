"""Panel rendering benchmark: the operator page in Debian's headless Chromium, fed the CTI
messages of N users directly (no server), timed inside the page.

Usage: .venv/bin/python -m benchmarks.web_panel.run [--users 1000] [--burst 500] [--runs 5]

The shipped page (``xivo_cti/web/static``) is opened from disk; the script logs it in by
calling its handlers with a ``login_capas`` answer, then measures with
``performance.now()`` (each followed by a forced layout, so style and layout count):
1. render: the ``updateconfig`` and ``updatestatus`` messages of ``--users`` users and
   their phones (4 per user), from an empty panel;
2. burst: ``--burst`` phone status changes on distinct users, as pushes arrive.
Figures: the median and worst of ``--runs`` fresh page loads.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks._settings import announce
from testing.browser import chromium
from xivo_cti.web import STATIC

PAGE = STATIC / "index.html"

MEASURE = """
const [users, burst] = arguments;
const panel = window.panel;
panel.loggedIn({capas: {userstatus: {available: {longname: "Available", color: "#9BC920"}}},
                userid: "1"});
const msg = (listname, fn, tid, key, value) => ({class: "getlist", function: fn, listname,
  tipbxid: "xivo", tid, [key]: value});
const t0 = performance.now();
for (let i = 1; i <= users; i++) {
  const id = String(i);
  panel.list(msg("users", "updateconfig", id, "config", {fullname: `User ${i}`, linelist: [id]}));
  panel.list(msg("phones", "updateconfig", id, "config", {number: String(1000 + i)}));
  panel.list(msg("users", "updatestatus", id, "status", {availstate: "available"}));
  panel.list(msg("phones", "updatestatus", id, "status", {hintstatus: "0", channels: []}));
}
document.body.getBoundingClientRect();
const rendered = performance.now() - t0;
const t1 = performance.now();
for (let i = 1; i <= burst; i++) {
  const ringing = {hintstatus: "8", channels: ["c" + i]};
  panel.list(msg("phones", "updatestatus", String(i), "status", ringing));
}
document.body.getBoundingClientRect();
const applied = performance.now() - t1;
return [rendered, applied, document.querySelectorAll(".tile").length,
        document.querySelectorAll('.tile[data-phone="ringing"]').length];
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    announce(args, f"{args.runs} page loads in headless Chromium 1280x800, page from {PAGE}")
    renders, bursts = [], []
    with tempfile.TemporaryDirectory() as profile, chromium(Path(profile)) as driver:
        for _ in range(args.runs):
            driver.get(PAGE.as_uri())
            rendered, applied, tiles, ringing = driver.execute_script(
                MEASURE, args.users, args.burst
            )
            assert (tiles, ringing) == (args.users, args.burst), (tiles, ringing)
            renders.append(rendered)
            bursts.append(applied)
    print(f"render {args.users} users: median {statistics.median(renders):.0f} ms, "
          f"worst {max(renders):.0f} ms")  # fmt: skip
    print(f"apply {args.burst} changes: median {statistics.median(bursts):.1f} ms, "
          f"worst {max(bursts):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
