"""Running shared test vectors (tests/vectors/*.json) through a ``sensorsanalytics`` module.

Standard library only: the differential test runs this same file under the reference SDK's
own interpreter (tests/ref_runner.py), so both SDKs are driven by identical code.

Format (tests/vectors/README.md): each case has a setup, calls ``{"method", "args"}`` with
the Python argument names, and either ``expect`` (records) or ``error`` ({kind, message}).
Values JSON cannot hold are tagged: ``{"$datetime": ...}``, ``{"$date": ...}``,
``{"$float": "NaN"}``.
"""

import datetime
import glob
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "vectors"))

ITEM_TYPES = ("item_set", "item_delete")
EVENT_METHODS = ("track", "track_signup", "bind", "unbind", "track_by_id")
_MISSING = object()


def load_cases():
    """[(group, case)] of every vector file, in file and case order."""
    out = []
    for path in sorted(glob.glob(os.path.join(VECTORS_DIR, "*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for case in data["cases"]:
            out.append((data["group"], case))
    return out


def decode(v):
    """A vector's JSON value as the Python value it stands for."""
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$datetime":
                return _parse_datetime(x)
            if k == "$date":
                return datetime.date(int(x[0:4]), int(x[5:7]), int(x[8:10]))
            if k == "$float":
                return float(x.replace("Infinity", "inf"))
            if k == "$tuple":  # random_calls.py: an unsupported value type
                return tuple(decode(x))
        # random_calls.py: "\x00int:N" stands for the int key N (a key that is not a str).
        return {(int(k[5:]) if k.startswith("\x00int:") else k): decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


_DT = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})(?:([+-])(\d\d):(\d\d))?$")


def _parse_datetime(s):
    m = _DT.match(s)
    if not m:
        raise ValueError("bad $datetime %r" % s)
    y, mo, d, h, mi, sec, ms = (int(m.group(i)) for i in range(1, 8))
    tz = None
    if m.group(8):
        off = datetime.timedelta(hours=int(m.group(9)), minutes=int(m.group(10)))
        tz = datetime.timezone(off if m.group(8) == "+" else -off)
    return datetime.datetime(y, mo, d, h, mi, sec, ms * 1000, tzinfo=tz)


class Capture(object):
    """A consumer written in Python: keeps every record it gets."""

    def __init__(self):
        self.lines = []

    def send(self, msg):
        self.lines.append(msg)

    def flush(self):
        pass

    def close(self):
        pass


def run_call(mod, sa, call):
    m = call["method"]
    raw = call.get("args", {})
    a = {k: (v if k in ("identities", "identity") else decode(v)) for k, v in raw.items()}

    def identity(i):
        # A bare string stands for an object that is not an identity.
        return mod.SensorsAnalyticsIdentity(i["key"], decode(i["value"])) if isinstance(i, dict) else i

    def ids(key="identities"):
        return [identity(i) for i in a[key]]

    if m == "bind":
        return sa.bind(*ids())
    if m == "unbind":
        return sa.unbind(identity(a["identity"]))
    if m == "track_by_id":
        return sa.track_by_id(a["event_name"], a.get("properties"), *ids())
    if m in ("profile_set_by_id", "profile_set_once_by_id", "profile_append_by_id", "profile_increment_by_id"):
        return getattr(sa, m)(a["properties"], *ids())
    if m == "profile_unset_by_id":
        return sa.profile_unset_by_id(a["profile_keys"], *ids())
    if m == "profile_delete_by_id":
        return sa.profile_delete_by_id(*ids())
    if m == "clear_super_properties":
        return sa.clear_super_properties()
    if m == "register_super_properties":
        return sa.register_super_properties(a["properties"])
    return getattr(sa, m)(**a)


ERROR_CLASSES = ("SensorsAnalyticsIllegalDataException", "SensorsAnalyticsNetworkException",
                 "SensorsAnalyticsFileLockException", "SensorsAnalyticsDebugException")
KINDS = {"SensorsAnalyticsIllegalDataException": "IllegalData", "SensorsAnalyticsNetworkException": "Network",
         "SensorsAnalyticsFileLockException": "FileLock", "SensorsAnalyticsDebugException": "Debug"}


def run_case(mod, case, consumer=None):
    """Runs a case; returns {"lines": [(call_index, line)], "error": None or {"class",
    "message"}, "error_at": call index, "has_time": [bool per call]}.

    ``consumer``: a (consumer, read_lines) pair to use instead of a Capture."""
    setup = case.get("setup") or {}
    if consumer is None:
        cap = Capture()
        consumer, read = cap, (lambda: cap.lines)
    else:
        consumer, read = consumer
    sa = mod.SensorsAnalytics(consumer, project_name=setup.get("project_name"),
                              enable_time_free=setup.get("enable_time_free", False))
    super_props = {}
    if setup.get("super_properties") is not None:
        sa.register_super_properties(decode(setup["super_properties"]))
        super_props.update(setup["super_properties"])
    out = {"lines": [], "error": None, "error_at": None, "has_time": []}
    seen = 0
    for i, call in enumerate(case["calls"]):
        args = call.get("args", {})
        props = args.get("properties", args.get("profiles"))
        m = call["method"]
        # A falsy $time means "now": only a real one is compared.
        has_time = isinstance(props, dict) and bool(decode(props.get("$time")))
        if m in EVENT_METHODS and bool(decode(super_props.get("$time"))):
            has_time = True
        if m in ITEM_TYPES or m.endswith("super_properties"):
            has_time = False
        out["has_time"].append(has_time)
        try:
            run_call(mod, sa, call)
            if m == "register_super_properties":
                super_props.update(args["properties"])
            elif m == "clear_super_properties":
                super_props.clear()
        except Exception as e:  # noqa: BLE001 - whatever the SDK raises is the result
            out["error"] = {"class": type(e).__name__, "message": str(e)}
            out["error_at"] = i
        sa.flush()
        lines = read()
        out["lines"].extend((i, l) for l in lines[seen:])
        seen = len(lines)
        if out["error"]:
            break
    return out


# ----------------------------------------------------------------------------------------
# Comparison (tests/vectors/README.md)
# ----------------------------------------------------------------------------------------

def _reject_constant(c):
    raise ValueError("not JSON: %s" % c)


def same_value(a, e, ordered_keys=False):
    """Deep equality of parsed JSON: bools are not numbers, numbers compare by value, lists
    in order, objects by key set (and key order when ordered_keys)."""
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


def normalise(record, keep_time, drop_track_id=True):
    """What the comparison leaves out: time (unless given), _track_id, $lib, $lib_version,
    $lib_detail."""
    r = dict(record)
    if not keep_time:
        r.pop("time", None)
    if drop_track_id:
        r.pop("_track_id", None)
    if isinstance(r.get("lib"), dict):
        r["lib"] = {k: v for k, v in r["lib"].items() if k not in ("$lib", "$lib_version", "$lib_detail")}
    if isinstance(r.get("properties"), dict):
        r["properties"] = {k: v for k, v in r["properties"].items() if k not in ("$lib", "$lib_version")}
    return r


def check_record(line, expected, keep_time):
    """None when our record `line` matches `expected` (already normalised), else why not."""
    try:
        actual = json.loads(line, parse_constant=_reject_constant)
    except ValueError as e:
        return "not valid JSON: %s" % e
    if not isinstance(actual, dict):
        return "not an object"
    t = actual.get("time", _MISSING)
    if isinstance(t, bool) or not isinstance(t, int):
        return "time missing or not an int: %r" % (t,)
    tid = actual.get("_track_id", _MISSING)
    if actual.get("type") in ITEM_TYPES:
        if tid is not _MISSING:
            return "_track_id on an item"
    elif isinstance(tid, bool) or not isinstance(tid, int) or not 0 <= tid < 2 ** 31:
        return "_track_id missing or out of range: %r" % (tid,)
    lib = actual.get("lib") or {}
    if lib.get("$lib") != "python" or not isinstance(lib.get("$lib_version"), str):
        return "lib.$lib/$lib_version: %r" % (lib,)
    actual = normalise(actual, keep_time)
    if list(actual) != list(expected):
        return "top-level keys %s, expected %s" % (list(actual), list(expected))
    for k in expected:
        if not same_value(actual[k], expected[k], ordered_keys=k in ("properties", "lib")):
            return "%s is %s, expected %s" % (k, json.dumps(actual[k], ensure_ascii=False)[:300],
                                             json.dumps(expected[k], ensure_ascii=False)[:300])
    return None


def check_case(run, case):
    """None when a run of `case` matches its expectation, else why not."""
    n = len(case["calls"])
    if "error" in case:
        err = run["error"]
        if err is None:
            return "expected %s error, got none" % case["error"]["kind"]
        got = {"kind": KINDS.get(err["class"], err["class"]), "message": err["message"]}
        if got != case["error"]:
            return "error %s, expected %s" % (got, case["error"])
        if run["error_at"] != n - 1:
            return "the error came from call %d, not the last" % run["error_at"]
        if run["lines"]:
            return "records were written in an error case"
        return None
    if run["error"] is not None:
        return "raised %s: %s" % (run["error"]["class"], run["error"]["message"])
    if len(run["lines"]) != len(case["expect"]):
        return "%d records, expected %d" % (len(run["lines"]), len(case["expect"]))
    for i, ((call_i, line), exp) in enumerate(zip(run["lines"], case["expect"])):
        why = check_record(line, exp, keep_time="time" in exp)
        if why:
            return "record %d: %s" % (i, why)
    return None
