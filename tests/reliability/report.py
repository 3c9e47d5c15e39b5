#!/usr/bin/env python3
"""Prints the reliability table from the rows the scenarios wrote (results.jsonl), adds a
failed row for every runner that exited non-zero without a failing row of its own (a crash,
a build failure, a timeout), and ends with exactly `reliability: N passed, N failed`.
Exit status: 0 if nothing failed. Usage: report.py RESULTS RUNNERS
(RUNNERS: lines "name exit_status log_path", one per runner)."""

import json
import sys


def cell(v):
    return "-" if v is None else str(v)


def main(results_path, runners_path):
    rows = []
    try:
        with open(results_path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    except FileNotFoundError:
        pass
    runners = []
    with open(runners_path, encoding="utf-8") as f:
        for line in f:
            parts = line.split(None, 2)
            if len(parts) == 3:
                runners.append((parts[0], int(parts[1]), parts[2].strip()))

    for name, status, log in runners:
        lang = name.split("-")[0]
        own = [r for r in rows if r.get("runner") == name and r["status"] != "pass"]
        if status != 0 and not own:
            rows.append({"lang": lang, "scenario": "runner:" + name, "status": "fail", "secs": None,
                         "sent": None, "received": None, "lost": None, "duplicated": None, "reported": None,
                         "note": "exited %d without a failing scenario row; see %s" % (status, log)})

    rows.sort(key=lambda r: (r["lang"], r["scenario"]))
    head = ("lang", "scenario", "sent", "received", "lost", "dup", "reported", "secs", "result")
    table = [head] + [(r["lang"], r["scenario"], cell(r.get("sent")), cell(r.get("received")), cell(r.get("lost")),
                       cell(r.get("duplicated")), cell(r.get("reported")), cell(r.get("secs")), r["status"].upper())
                      for r in rows]
    widths = [max(len(t[i]) for t in table) for i in range(len(head))]
    for k, t in enumerate(table):
        print("  ".join(c.rjust(w) if 2 <= i <= 7 else c.ljust(w) for i, (c, w) in enumerate(zip(t, widths))).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print()
    print("notes:")
    for r in rows:
        if r.get("note"):
            print("  %s %s: %s" % (r["lang"], r["scenario"], r["note"]))
    passed = sum(1 for r in rows if r["status"] == "pass")
    failed = len(rows) - passed
    print()
    print("reliability: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
