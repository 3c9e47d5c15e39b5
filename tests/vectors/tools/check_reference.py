#!/usr/bin/env python3
"""Check that the vectors are the reference SDK's behaviour.

Re-runs every case WITHOUT an "ours" field through the reference SDK (SensorsAnalyticsSDK
1.11.0) and compares what it emits with the expectation, using the comparison rules of
tests/vectors/README.md. Also checks the files' structure (groups, unique names, one of
expect/error). Cases WITH "ours" are run too, for information only: they are listed when
the reference happens to produce our expectation on this machine (e.g. an aware `$time`
in +00:00 on a UTC machine), which is not an error.

Run:  /tmp/refvenv/bin/python tests/vectors/tools/check_reference.py
(any python works: it re-executes itself with $SA_REF_PYTHON, default /tmp/refvenv/bin/python).
Exit status 0 when every non-"ours" case matches.
"""
import glob
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402  (the runner: tag decoding, dispatch of calls, capturing consumer)

VECTORS_DIR = generate.VECTORS_DIR
GROUPS = set(generate.GROUPS)
METHODS = {"track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
           "profile_unset", "profile_delete", "item_set", "item_delete", "register_super_properties",
           "clear_super_properties", "bind", "unbind", "track_by_id", "profile_set_by_id",
           "profile_set_once_by_id", "profile_append_by_id", "profile_increment_by_id", "profile_unset_by_id",
           "profile_delete_by_id"}
ITEM_TYPES = {"item_set", "item_delete"}
_MISSING = object()


def _reject_constant(c):
    raise ValueError("not JSON: %s" % c)


def same_value(a, e, ordered_keys=False):
    """Deep equality of parsed JSON: a bool never equals a number, numbers compare by value,
    lists in order; objects by key set (and key order too when ordered_keys)."""
    if isinstance(e, bool) or isinstance(a, bool):
        return isinstance(a, bool) and isinstance(e, bool) and a == e
    if isinstance(e, (int, float)):
        return isinstance(a, (int, float)) and a == e
    if isinstance(e, str):
        return isinstance(a, str) and a == e
    if e is None:
        return a is None
    if isinstance(e, list):
        return isinstance(a, list) and len(a) == len(e) and all(same_value(x, y) for x, y in zip(a, e))
    if isinstance(e, dict):
        if not isinstance(a, dict):
            return False
        if ordered_keys and list(a) != list(e):
            return False
        return set(a) == set(e) and all(same_value(a[k], e[k]) for k in e)
    raise TypeError(type(e))


def compare_record(line, expected, require_track_id):
    """README "Comparison". Returns None when the record matches, else a reason."""
    try:
        actual = json.loads(line, parse_constant=_reject_constant)
    except ValueError as e:
        return "record is not valid JSON: %s" % e
    if not isinstance(actual, dict):
        return "record is not an object"
    is_item = actual.get("type") in ITEM_TYPES
    # time
    if "time" not in expected:
        t = actual.pop("time", _MISSING)
        if t is _MISSING or isinstance(t, bool) or not isinstance(t, int):
            return "time missing or not an int: %r" % (None if t is _MISSING else t)
    # _track_id
    tid = actual.pop("_track_id", _MISSING)
    if is_item and tid is not _MISSING:
        return "_track_id on an item record"
    if require_track_id and not is_item:
        if tid is _MISSING or isinstance(tid, bool) or not isinstance(tid, int) or not 0 <= tid < 2 ** 31:
            return "_track_id missing or not an int in [0, 2^31): %r" % (None if tid is _MISSING else tid)
    # left-out lib / properties keys
    if isinstance(actual.get("lib"), dict):
        for k in ("$lib", "$lib_version", "$lib_detail"):
            actual["lib"].pop(k, None)
    if isinstance(actual.get("properties"), dict):
        for k in ("$lib", "$lib_version"):
            actual["properties"].pop(k, None)
    # key order: top level, properties, lib
    if list(actual) != list(expected):
        return "top-level keys %s, expected %s" % (list(actual), list(expected))
    for k in expected:
        ordered = k in ("properties", "lib")
        if not same_value(actual[k], expected[k], ordered_keys=ordered):
            return "%s is %s, expected %s" % (k, json.dumps(actual[k], ensure_ascii=False)[:300],
                                             json.dumps(expected[k], ensure_ascii=False)[:300])
    return None


def check_case_against_reference(case):
    """Returns None when the reference's behaviour matches the case, else a reason."""
    run = generate.run_case(case)
    n = len(case["calls"])
    if "error" in case:
        e = run["error"]
        if e is None:
            return "expected %s error, the reference raised nothing" % case["error"]["kind"]
        kind = generate.error_kind(e)
        got = {"kind": kind, "message": str(e)}
        if run["error_at"] != n - 1:
            return "the error came from call %d, not the last" % run["error_at"]
        if run["lines"]:
            return "records were emitted in an error case"
        if got != case["error"]:
            return "error %s, expected %s" % (got if kind else "%s: %s" % (type(e).__name__, e), case["error"])
        return None
    if run["error"] is not None:
        return "the reference raised %s: %s" % (type(run["error"]).__name__, run["error"])
    lines = [l for _, l in run["lines"]]
    if len(lines) != len(case["expect"]):
        return "%d records, expected %d" % (len(lines), len(case["expect"]))
    for i, (line, exp) in enumerate(zip(lines, case["expect"])):
        why = compare_record(line, exp, require_track_id=False)  # the reference writes no _track_id
        if why:
            return "record %d: %s" % (i, why)
    return None


def load_all():
    problems, cases, names = [], [], set()
    files = sorted(glob.glob(os.path.join(VECTORS_DIR, "*.json")))
    seen_groups = set()
    for path in files:
        group = os.path.basename(path)[:-5]
        with open(path, encoding="utf-8") as f:
            data = json.load(f, parse_constant=_reject_constant)
        if data.get("group") != group or group not in GROUPS:
            problems.append("%s: group %r" % (path, data.get("group")))
        seen_groups.add(group)
        for c in data["cases"]:
            nm = c.get("name")
            if nm in names:
                problems.append("duplicate name %s" % nm)
            names.add(nm)
            if ("expect" in c) == ("error" in c):
                problems.append("%s: needs exactly one of expect/error" % nm)
            if not set(c) <= {"name", "setup", "calls", "expect", "error", "ours"}:
                problems.append("%s: unknown keys %s" % (nm, set(c)))
            for call in c["calls"]:
                if call["method"] not in METHODS:
                    problems.append("%s: unknown method %s" % (nm, call["method"]))
            if "error" in c and c["error"]["kind"] not in ("IllegalData", "Network", "FileLock", "Debug"):
                problems.append("%s: unknown error kind" % nm)
            cases.append((group, c))
    for g in GROUPS - seen_groups:
        problems.append("missing file %s.json" % g)
    return cases, problems


def main():
    cases, problems = load_all()
    checked = ours = 0
    coincide = []
    for group, c in cases:
        why = check_case_against_reference(c)
        if "ours" in c:
            ours += 1
            if why is None:
                coincide.append(c["name"])
            continue
        checked += 1
        if why:
            problems.append("%s/%s: %s" % (group, c["name"], why))
    print("%d cases: %d checked against the reference, %d marked ours" % (len(cases), checked, ours))
    if coincide:
        print("ours cases where the reference matches on this machine (informational): %s" % ", ".join(coincide))
    for p in problems:
        print("FAIL", p)
    if problems:
        sys.exit(1)
    print("OK: every case without \"ours\" is the reference's behaviour")


if __name__ == "__main__":
    main()
