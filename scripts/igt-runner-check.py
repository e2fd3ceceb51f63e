#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what igt_runner made of the tests (scripts/igt-runner.sh).

OUTDIR holds, from the guest, single/ and multiple/ (the runner's results
directories, results.json included), single.list and multiple.list (the
test lists it ran) and, where the runner has --hook, hooks-single.log and
hooks-multiple.log ("igt@BIN@SUBTEST RESULT" per subtest end). Checked:
- every listed subtest is in results.json, and nothing else;
- runner_probe's verdicts are those of the expect file, every other
  subtest's is pass or skip;
- each subtest that ran has its own "[IGT] BIN: starting subtest NAME"
  line in the dmesg the runner filed under it (kernel messages attributed
  to the right subtest), and runner_probe's dmesg-warn has the driver's
  warning among its dmesg-warnings;
- in the single pass (one subtest a run), the binary's exit status is the
  expected one (0, 77, 98, 128 + signal, which the runner's journal notes
  as -signal), or the runner noted a timeout;
- with --hook, the post-subtest hook ran for each subtest that ended,
  with the result the binary reported.
Prints one line per failed check and a summary; exit 1 if any failed.
"""

import argparse
import json
import os
import sys

HOOK_RESULT = {"pass": "SUCCESS", "skip": "SKIP", "fail": "FAIL",
               "crash": "CRASH", "dmesg-warn": "SUCCESS"}
PROBE_WARNING = "backend gave unusable page references"


def read_expect(path):
    expect = {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) < 3:
                sys.exit(f"{path}: bad line: {line.strip()}")
            expect[words[0]] = {"result": words[1], "exit": words[2],
                                "declared": "declared" in words[3:]}
    return expect


def read_list(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


def journal_exits(rdir):
    """{test name: "exit:N" or "timeout:N" line} for one-subtest jobs."""
    exits = {}
    with open(os.path.join(rdir, "joblist.txt")) as f:
        jobs = [l.split() for l in f if l.strip()]
    for i, job in enumerate(jobs):
        if len(job) != 2 or "," in job[1]:
            continue
        name = f"igt@{job[0]}@{job[1]}"
        try:
            with open(os.path.join(rdir, str(i), "journal.txt")) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for l in lines:
            if l.startswith(("exit:", "timeout:")):
                exits[name] = l.split()[0]
    return exits


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--expect", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--suite", action="append", default=[])
    ap.add_argument("--hook", type=int, default=0)
    ap.add_argument("--ignore", type=int, default=0)
    ap.add_argument("outdir")
    a = ap.parse_args()

    expect = read_expect(a.expect)
    bad = []
    nok = 0

    def check(ok, what):
        nonlocal nok
        if ok:
            nok += 1
        else:
            bad.append(what)

    for pas in ("single", "multiple"):
        rdir = os.path.join(a.outdir, pas)
        try:
            with open(os.path.join(rdir, "results.json")) as f:
                tests = json.load(f)["tests"]
        except (OSError, ValueError, KeyError) as e:
            bad.append(f"{pas}: no results.json: {e}")
            continue
        wanted = read_list(os.path.join(a.outdir, f"{pas}.list"))
        exits = journal_exits(rdir) if pas == "single" else {}
        hooks = {}
        if a.hook:
            try:
                with open(os.path.join(a.outdir, f"hooks-{pas}.log")) as f:
                    for l in f:
                        w = l.split()
                        if len(w) == 2:
                            hooks.setdefault(w[0], []).append(w[1])
            except OSError:
                pass
        for name in wanted:
            t = tests.get(name)
            if t is None:
                bad.append(f"{pas}: {name}: not in results.json")
                continue
            binary, sub = name.split("@")[1:3]
            res = t.get("result")
            if binary == a.probe:
                e = expect.get(name)
                if e is None:
                    bad.append(f"{pas}: {name}: not in {a.expect}")
                    continue
                want = e["result"]
                if e["declared"] and not a.ignore:
                    want = "dmesg-warn"
                check(res == want, f"{pas}: {name}: {res}, expected {want}")
                if pas == "single":
                    got = exits.get(name, "none")
                    if e["exit"] == "-":
                        check(got.startswith("timeout:"),
                              f"{pas}: {name}: journal {got}, expected a timeout")
                        # the runner's SIGQUIT ended the binary itself,
                        # not only the subtest's process
                        check(f"Subtest {sub}:" not in (t.get("out") or ""),
                              f"{pas}: {name}: the binary outlived the runner's kill")
                    else:
                        # the runner notes an exit status 128 + N as -N
                        code = int(e["exit"])
                        code = 128 - code if code >= 128 else code
                        check(got == f"exit:{code}",
                              f"{pas}: {name}: journal {got}, expected exit:{code}")
                if want == "dmesg-warn":
                    check(PROBE_WARNING in (t.get("dmesg-warnings") or ""),
                          f"{pas}: {name}: no '{PROBE_WARNING}' in its dmesg-warnings")
            else:
                check(res in ("pass", "skip"),
                      f"{pas}: {name}: {res}, expected pass or skip")
                if pas == "single" and res in ("pass", "skip"):
                    got = exits.get(name, "none")
                    want = "exit:0" if res == "pass" else "exit:77"
                    check(got == want, f"{pas}: {name}: journal {got}, expected {want}")
            if res != "notrun":
                marker = f"[IGT] {binary}: starting subtest {sub}"
                check(marker in (t.get("dmesg") or ""),
                      f"{pas}: {name}: its dmesg lacks '{marker}'")
            if a.hook and res in HOOK_RESULT:
                got = hooks.get(name, [])
                check(got == [HOOK_RESULT[res]],
                      f"{pas}: {name}: post-subtest hook saw {got or 'nothing'}, "
                      f"expected {HOOK_RESULT[res]}")
        for name in sorted(set(tests) - set(wanted)):
            bad.append(f"{pas}: {name}: in results.json, not in the test list")
        print(f"igt-runner-check: {pas}: {len(wanted)} subtests, "
              + ", ".join(f"{r} {n}" for r, n in sorted(
                  count_results(tests).items())))

    for b in bad:
        print(f"igt-runner-check: FAIL: {b}")
    print(f"{nok} passed, {len(bad)} failed")
    return 1 if bad else 0


def count_results(tests):
    c = {}
    for t in tests.values():
        c[t.get("result")] = c.get(t.get("result"), 0) + 1
    return c


if __name__ == "__main__":
    sys.exit(main())
