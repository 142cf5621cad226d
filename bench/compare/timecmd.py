#!/usr/bin/env python3
"""Time a command: run it REPS times (after WARMUP untimed runs) and print one line of JSON.

    timecmd.py [--reps 5] [--warmup 1] [--stdout FILE] [--ok-codes 0,1] [--timeout S] -- CMD ARG…

Helper of bench/compare/run_all.sh. Each run's wall-clock time is measured with
`time.perf_counter` around `subprocess.run` (process start-up and exit included, Python's own
start-up not). The standard output of the last run goes to FILE (default: discarded), its
standard error to FILE.stderr. The JSON line has `times` (seconds, every timed run), `median`,
`min`, `max` and `rc` (the last exit code); an exit code outside --ok-codes aborts with exit 3.

A run whose standard error says that renorm waited for the symbolic engine ("… is in use by pid …":
another renorm process that did not take $LOCK, e.g. a test suite, held renorm's own per-user
engine lock) is not counted and is repeated, at most 5 times per batch; the JSON says how many
runs were discarded (`discarded_waits`). With --timeout S a run that takes longer is killed and
the JSON has `timeout: true` instead of times.

run_all.sh starts this helper *inside* `flock $LOCK` when the command may use the symbolic
engine, so the lock is held for the whole batch and waiting for it is never timed.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--stdout", default=None)
    ap.add_argument("--ok-codes", default="0")
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    ok = {int(c) for c in a.ok_codes.split(",")}
    times = []
    rc = None
    discarded = 0
    waits_kept = 0
    i = 0
    while len(times) < a.reps:
        out = open(a.stdout, "wb") if a.stdout else subprocess.DEVNULL
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=a.timeout)
        except subprocess.TimeoutExpired:
            print(json.dumps({"timeout": True, "seconds": a.timeout, "discarded_waits": discarded}))
            return
        finally:
            if a.stdout:
                out.close()
        dt = time.perf_counter() - t0
        if a.stdout:
            Path(a.stdout + ".stderr").write_bytes(p.stderr)
        rc = p.returncode
        if rc not in ok:
            print(f"timecmd: {' '.join(cmd)} exited {rc}\n{p.stderr.decode(errors='replace')}", file=sys.stderr)
            sys.exit(3)
        if b"is in use by" in p.stderr:
            if discarded < 5:
                discarded += 1
                continue
            waits_kept += i >= a.warmup
        if i >= a.warmup:
            times.append(dt)
        i += 1
    print(json.dumps({"times": times, "median": statistics.median(times), "min": min(times),
                      "max": max(times), "rc": rc, "discarded_waits": discarded,
                      "waits_in_times": waits_kept}))


if __name__ == "__main__":
    main()
