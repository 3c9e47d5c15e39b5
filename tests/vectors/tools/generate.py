#!/usr/bin/env python3
"""Generate tests/vectors/<group>.json.

The case definitions (setup + calls) live in this file. Each case is run through the
REFERENCE SDK (SensorsAnalyticsSDK 1.11.0, module `sensorsanalytics`) with a capturing
consumer; what it emits (or raises) becomes the expectation, normalised by the comparison
rules of tests/vectors/README.md. Then our documented deviations (docs/SPEC.md §6, **ours**) are
applied, and every case whose expectation is not the reference's raw output gets an
"ours" field saying why.

Run:  /tmp/refvenv/bin/python tests/vectors/tools/generate.py
(or any python: it re-executes itself with $SA_REF_PYTHON, default /tmp/refvenv/bin/python,
when `sensorsanalytics` cannot be imported).
"""
import datetime
import json
import os
import re
import sys

REF_VERSION = "1.11.0"
VECTORS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _import_reference():
    try:
        import sensorsanalytics  # noqa: F401
    except ImportError:
        py = os.environ.get("SA_REF_PYTHON", "/tmp/refvenv/bin/python")
        if os.environ.get("_SA_VECTORS_REEXEC") or not os.path.exists(py):
            sys.exit("the reference SDK (module sensorsanalytics %s) is not importable; "
                     "set SA_REF_PYTHON to a python that has it" % REF_VERSION)
        os.environ["_SA_VECTORS_REEXEC"] = "1"
        os.execv(py, [py] + sys.argv)
    import sensorsanalytics
    from sensorsanalytics import sdk
    if sdk.SDK_VERSION != REF_VERSION:
        sys.exit("reference SDK is %s, expected %s" % (sdk.SDK_VERSION, REF_VERSION))
    return sensorsanalytics


sa_mod = _import_reference()

# --------------------------------------------------------------------------------------
# Running a case through the reference (shared with check_reference.py)
# --------------------------------------------------------------------------------------

_DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}([+-]\d{2}:\d{2})?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TAGS = ("$datetime", "$date", "$float")


def decode(v):
    """JSON value of a vector -> Python value (README: tagged values)."""
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$datetime":
                assert isinstance(x, str) and _DT_RE.match(x), x
                return datetime.datetime.fromisoformat(x)
            if k == "$date":
                assert isinstance(x, str) and _DATE_RE.match(x), x
                return datetime.date.fromisoformat(x)
            if k == "$float":
                assert x in ("NaN", "Infinity", "-Infinity"), x
                return float(x.replace("Infinity", "inf"))
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


class CapturingConsumer(object):
    def __init__(self):
        self.lines = []

    def send(self, msg):
        self.lines.append(msg)

    def flush(self):
        pass

    def close(self):
        pass


def _identity(d):
    return sa_mod.SensorsAnalyticsIdentity(d["key"], d["value"])


EVENT_METHODS = ("track", "track_signup", "bind", "unbind", "track_by_id")
ITEM_METHODS = ("item_set", "item_delete")


def run_call(sa, call):
    m = call["method"]
    raw = call.get("args", {})
    a = {k: (v if k in ("identities", "identity") else decode(v)) for k, v in raw.items()}
    if m == "bind":
        return sa.bind(*[_identity(i) for i in a["identities"]])
    if m == "unbind":
        return sa.unbind(_identity(a["identity"]))
    if m == "track_by_id":
        return sa.track_by_id(a["event_name"], a.get("properties"), *[_identity(i) for i in a["identities"]])
    if m in ("profile_set_by_id", "profile_set_once_by_id", "profile_append_by_id", "profile_increment_by_id"):
        return getattr(sa, m)(a["properties"], *[_identity(i) for i in a["identities"]])
    if m == "profile_unset_by_id":
        return sa.profile_unset_by_id(a["profile_keys"], *[_identity(i) for i in a["identities"]])
    if m == "profile_delete_by_id":
        return sa.profile_delete_by_id(*[_identity(i) for i in a["identities"]])
    if m == "clear_super_properties":
        return sa.clear_super_properties()
    if m == "register_super_properties":
        return sa.register_super_properties(a["properties"])
    if m in ("track", "track_signup", "profile_set", "profile_set_once", "profile_increment",
             "profile_append", "profile_unset", "profile_delete", "item_set", "item_delete"):
        return getattr(sa, m)(**a)
    raise ValueError("unknown method %r" % m)


def error_kind(exc):
    if isinstance(exc, sa_mod.SensorsAnalyticsIllegalDataException):
        return "IllegalData"
    if isinstance(exc, sa_mod.SensorsAnalyticsNetworkException):
        return "Network"
    if isinstance(exc, sa_mod.SensorsAnalyticsFileLockException):
        return "FileLock"
    if isinstance(exc, sa_mod.SensorsAnalyticsDebugException):
        return "Debug"
    return None  # not one of the SDK's exceptions (TypeError, ValueError, ...)


def run_case(case):
    """Run a case through the reference.

    Returns {"lines": [(call_index, json_line), ...], "error": exc or None, "error_at": i,
             "has_time": [bool per call]} where has_time[i] tells whether call i was given a
    `$time` (its own properties, or the super properties for event methods)."""
    setup = case.get("setup") or {}
    consumer = CapturingConsumer()
    sa = sa_mod.SensorsAnalytics(consumer, project_name=setup.get("project_name"),
                                 enable_time_free=setup.get("enable_time_free", False))
    if setup.get("super_properties") is not None:
        sa.register_super_properties(decode(setup["super_properties"]))
    out = {"lines": [], "error": None, "error_at": None, "has_time": []}
    for i, call in enumerate(case["calls"]):
        args = call.get("args", {})
        props = args.get("properties", args.get("profiles"))
        has_time = isinstance(props, dict) and "$time" in props
        if call["method"] in EVENT_METHODS and "$time" in sa._super_properties:
            has_time = True
        if call["method"] in ITEM_METHODS:
            has_time = False
        out["has_time"].append(has_time)
        before = len(consumer.lines)
        try:
            run_call(sa, call)
        except Exception as e:  # noqa: BLE001 - we record whatever the reference raises
            out["error"] = e
            out["error_at"] = i
            out["lines"].extend((i, l) for l in consumer.lines[before:])
            return out
        out["lines"].extend((i, l) for l in consumer.lines[before:])
    return out


def normalise(record, keep_time):
    """Remove what the comparison leaves out (README, "Comparison")."""
    r = dict(record)
    if not keep_time:
        r.pop("time", None)
    r.pop("_track_id", None)
    if isinstance(r.get("lib"), dict):
        r["lib"] = {k: v for k, v in r["lib"].items() if k not in ("$lib", "$lib_version", "$lib_detail")}
    if isinstance(r.get("properties"), dict):
        r["properties"] = {k: v for k, v in r["properties"].items() if k not in ("$lib", "$lib_version")}
    return r


# --------------------------------------------------------------------------------------
# Case definitions
# --------------------------------------------------------------------------------------

LOGIN = "$identity_login_id"
MOBILE = "$identity_mobile"
EMAIL = "$identity_email"

CASES = []  # list of (group, case-definition dict)


def call(method, **args):
    return {"method": method, "args": args}


def ID(key, value):
    return {"key": key, "value": value}


def dt(s):
    return {"$datetime": s}


def date(s):
    return {"$date": s}


def flt(s):
    return {"$float": s}


def case(group, name, calls, project_name=None, time_free=False, sp=None, ours=None,
         ours_error=None, ours_expect=None, ours_fix=None):
    """Define a case.

    ours        : why our expectation differs from the reference (required with ours_*)
    ours_error  : (message) -> IllegalData error we raise where the reference does not
    ours_expect : explicit expected records (where the reference raises a Python error)
    ours_fix    : function(list_of_records) -> list_of_records applied to the reference output
    """
    if isinstance(calls, dict):
        calls = [calls]
    for c in calls:
        for k in ("properties", "profiles", "profile_keys"):
            v = c["args"].get(k)
            # a properties object must not look like a tagged value (README, "Values")
            assert not (isinstance(v, dict) and len(v) == 1 and list(v)[0] in _TAGS), name
    setup = {"project_name": project_name, "enable_time_free": time_free}
    if sp is not None:
        setup["super_properties"] = sp
    CASES.append((group, dict(name=name, setup=setup, calls=calls, ours=ours, ours_error=ours_error,
                              ours_expect=ours_expect, ours_fix=ours_fix)))


def err(msg):
    return msg


# ---- track ----------------------------------------------------------------------------
G = "track"
case(G, "track_basic", call("track", distinct_id="u1", event_name="ViewProduct",
                            properties={"product_id": "p-1", "price": 10}))
case(G, "track_properties_omitted", call("track", distinct_id="u1", event_name="AppStart"))
case(G, "track_properties_null", call("track", distinct_id="u1", event_name="AppStart", properties=None))
case(G, "track_properties_empty", call("track", distinct_id="u1", event_name="AppStart", properties={}))
case(G, "track_login_id", call("track", distinct_id="u1", event_name="Buy", properties={"p": 1}, is_login_id=True))
case(G, "track_login_id_false", call("track", distinct_id="u1", event_name="Buy", properties={"p": 1},
                                     is_login_id=False))
case(G, "track_login_id_no_properties", call("track", distinct_id="u1", event_name="Buy", is_login_id=True))
case(G, "track_login_id_after_properties",
     call("track", distinct_id="u1", event_name="Buy", properties={"b": 1, "a": 2, "$time": 1700000000123, "c": 3},
          is_login_id=True))
case(G, "track_int_distinct_id", call("track", distinct_id=123, event_name="E", properties={"p": 1}))
case(G, "track_zero_distinct_id", call("track", distinct_id=0, event_name="E"))
case(G, "track_value_types", call("track", distinct_id="u1", event_name="E", properties={
    "s": "text", "i": 42, "neg": -7, "f": 1.5, "t": True, "fa": False, "n": None,
    "l": ["a", "b"], "el": [], "d": date("2023-01-09"), "dt": dt("2024-02-29T23:59:58.123+08:00")}))
case(G, "track_float_values", call("track", distinct_id="u1", event_name="E", properties={
    "a": 0.1, "b": -2.25, "c": 1.0, "d": 123456.789, "e": 1e+20, "f": 1e-07, "g": 0.0}))
case(G, "track_large_ints", call("track", distinct_id="u1", event_name="E", properties={
    "max": 9007199254740991, "min": -9007199254740991, "zero": 0}))
case(G, "track_key_order_preserved", call("track", distinct_id="u1", event_name="E",
                                          properties={"z": 1, "a": 2, "m": 3, "_": 4, "$x": 5}))
case(G, "track_dollar_properties", call("track", distinct_id="u1", event_name="E",
                                        properties={"$os": "Linux", "$ip": "10.0.0.1", "$screen_width": 1920}))
case(G, "track_dollar_event_name", call("track", distinct_id="u1", event_name="$AppStart"))
case(G, "track_two_calls", [call("track", distinct_id="u1", event_name="A", properties={"n": 1}),
                            call("track", distinct_id="u2", event_name="B", properties={"n": 2}, is_login_id=True)])
case(G, "track_non_dict_properties", call("track", distinct_id="u1", event_name="E", properties=["a"]),
     ours="reference raises ValueError (dict.update of a list)",
     ours_error="properties must be a dict type.")
case(G, "track_event_name_null", call("track", distinct_id="u1", event_name=None),
     ours="reference raises TypeError (regex match on None)",
     ours_error="event name must be a valid variable name. [name=None]")
case(G, "track_nan_value", call("track", distinct_id="u1", event_name="E", properties={"a": 1, "x": flt("NaN")}),
     ours="reference writes NaN, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=x]")
case(G, "track_infinity_value", call("track", distinct_id="u1", event_name="E", properties={"x": flt("Infinity")}),
     ours="reference writes Infinity, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=x]")
case(G, "track_negative_infinity_value",
     call("track", distinct_id="u1", event_name="E", properties={"y": flt("-Infinity")}),
     ours="reference writes -Infinity, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=y]")

# ---- track_signup ---------------------------------------------------------------------
G = "track_signup"
case(G, "track_signup_basic", call("track_signup", distinct_id="login1", original_id="anon1"))
case(G, "track_signup_properties", call("track_signup", distinct_id="login1", original_id="anon1",
                                        properties={"channel": "web", "n": 2}))
case(G, "track_signup_properties_null", call("track_signup", distinct_id="login1", original_id="anon1",
                                             properties=None))
case(G, "track_signup_super_properties", call("track_signup", distinct_id="login1", original_id="anon1",
                                              properties={"b": 2}), sp={"a": 1, "b": 1})
case(G, "track_signup_int_distinct_id", call("track_signup", distinct_id=42, original_id="anon1"))


def _str_field(field):
    def fix(records):
        out = []
        for r in records:
            r = dict(r)
            if not isinstance(r[field], str):
                r[field] = str(r[field])
            out.append(r)
        return out
    return fix


case(G, "track_signup_int_original_id", call("track_signup", distinct_id="login1", original_id=7),
     ours="int original_id is written as a string (docs/SPEC.md §3); the reference writes the int",
     ours_fix=_str_field("original_id"))
case(G, "track_signup_original_id_empty", call("track_signup", distinct_id="login1", original_id=""))
case(G, "track_signup_original_id_null", call("track_signup", distinct_id="login1", original_id=None))
case(G, "track_signup_original_id_255", call("track_signup", distinct_id="login1", original_id="o" * 255))
case(G, "track_signup_original_id_256", call("track_signup", distinct_id="login1", original_id="o" * 256))
case(G, "track_signup_original_id_checked_first", call("track_signup", distinct_id="", original_id=""))
case(G, "track_signup_distinct_id_empty", call("track_signup", distinct_id="", original_id="anon1"))
case(G, "track_signup_distinct_id_256", call("track_signup", distinct_id="d" * 256, original_id="anon1"))
case(G, "track_signup_bad_property_key", call("track_signup", distinct_id="login1", original_id="anon1",
                                              properties={"1bad": 1}))
case(G, "track_signup_non_dict_properties",
     call("track_signup", distinct_id="login1", original_id="anon1", properties="x"),
     ours="reference raises ValueError (dict.update of a str)",
     ours_error="properties must be a dict type.")

# ---- profile --------------------------------------------------------------------------
G = "profile"
case(G, "profile_set_basic", call("profile_set", distinct_id="u1", profiles={"name": "Ann", "age": 30}))
case(G, "profile_set_login_id", call("profile_set", distinct_id="u1", profiles={"name": "Ann"}, is_login_id=True))
case(G, "profile_set_value_types", call("profile_set", distinct_id="u1", profiles={
    "s": "x", "i": 1, "f": 2.5, "b": True, "n": None, "l": ["x", "y"], "d": date("2020-05-17"),
    "dt": dt("2021-06-01T08:30:00.250+02:00")}))
case(G, "profile_set_empty", call("profile_set", distinct_id="u1", profiles={}))
case(G, "profile_set_empty_login_id", call("profile_set", distinct_id="u1", profiles={}, is_login_id=True))
case(G, "profile_set_null", call("profile_set", distinct_id="u1", profiles=None))
case(G, "profile_set_null_login_id", call("profile_set", distinct_id="u1", profiles=None, is_login_id=True),
     ours="reference raises TypeError (item assignment on None); we write {\"$is_login_id\": true}",
     ours_expect=[{"type": "profile_set", "distinct_id": "u1", "properties": {"$is_login_id": True},
                   "lib": {"$lib_method": "code"}}])
case(G, "profile_set_int_distinct_id", call("profile_set", distinct_id=5, profiles={"a": 1}))
case(G, "profile_set_distinct_id_empty", call("profile_set", distinct_id="", profiles={"a": 1}))
case(G, "profile_set_distinct_id_null", call("profile_set", distinct_id=None, profiles={"a": 1}))
case(G, "profile_set_non_dict", call("profile_set", distinct_id="u1", profiles=["a"]),
     ours="reference raises AttributeError (list has no items)",
     ours_error="profiles must be dict type.")
case(G, "profile_set_bad_key", call("profile_set", distinct_id="u1", profiles={"ok": 1, "a b": 2}))
case(G, "profile_set_once_basic", call("profile_set_once", distinct_id="u1", profiles={"first_seen": "2024"}))
case(G, "profile_set_once_login_id", call("profile_set_once", distinct_id="u1", profiles={"x": 1}, is_login_id=True))
case(G, "profile_set_once_null", call("profile_set_once", distinct_id="u1", profiles=None))
case(G, "profile_set_once_non_dict", call("profile_set_once", distinct_id="u1", profiles="x"),
     ours="reference raises AttributeError (str has no items)",
     ours_error="profiles must be dict type.")
case(G, "profile_increment_basic", call("profile_increment", distinct_id="u1", profiles={"visits": 1, "score": -5}))
case(G, "profile_increment_login_id", call("profile_increment", distinct_id="u1", profiles={"visits": 2},
                                           is_login_id=True))
case(G, "profile_increment_empty", call("profile_increment", distinct_id="u1", profiles={}))
case(G, "profile_increment_float", call("profile_increment", distinct_id="u1", profiles={"a": 1, "b": 1.5}))
case(G, "profile_increment_str", call("profile_increment", distinct_id="u1", profiles={"a": "1"}))
case(G, "profile_increment_null_value", call("profile_increment", distinct_id="u1", profiles={"a": None}))
case(G, "profile_increment_not_dict", call("profile_increment", distinct_id="u1", profiles=None))
case(G, "profile_increment_list", call("profile_increment", distinct_id="u1", profiles=["a"]))
case(G, "profile_increment_checked_before_distinct_id",
     call("profile_increment", distinct_id="", profiles={"a": "x"}))
case(G, "profile_append_basic", call("profile_append", distinct_id="u1", profiles={"tags": ["a", "b"]}))
case(G, "profile_append_login_id", call("profile_append", distinct_id="u1", profiles={"tags": ["a"]},
                                        is_login_id=True))
case(G, "profile_append_empty_list", call("profile_append", distinct_id="u1", profiles={"tags": []}))
case(G, "profile_append_not_list", call("profile_append", distinct_id="u1", profiles={"tags": "a"}))
case(G, "profile_append_null_value", call("profile_append", distinct_id="u1", profiles={"tags": None}))
case(G, "profile_append_not_dict", call("profile_append", distinct_id="u1", profiles=["a"]))
case(G, "profile_append_list_int", call("profile_append", distinct_id="u1", profiles={"tags": ["a", 1]}))
case(G, "profile_unset_list", call("profile_unset", distinct_id="u1", profile_keys=["a", "b"]))
case(G, "profile_unset_list_login_id", call("profile_unset", distinct_id="u1", profile_keys=["a"],
                                            is_login_id=True))
case(G, "profile_unset_dict", call("profile_unset", distinct_id="u1", profile_keys={"a": True, "b": True}))
case(G, "profile_unset_empty_list", call("profile_unset", distinct_id="u1", profile_keys=[]))
case(G, "profile_unset_null", call("profile_unset", distinct_id="u1", profile_keys=None))
case(G, "profile_unset_bad_key", call("profile_unset", distinct_id="u1", profile_keys=["a", "1bad"]))
case(G, "profile_unset_int_key", call("profile_unset", distinct_id="u1", profile_keys=[1]))
case(G, "profile_unset_str", call("profile_unset", distinct_id="u1", profile_keys="abc"),
     ours="reference raises AttributeError (str has no items)",
     ours_error="profile_keys must be a list or dict.")
case(G, "profile_delete_basic", call("profile_delete", distinct_id="u1"))
case(G, "profile_delete_login_id", call("profile_delete", distinct_id="u1", is_login_id=True))
case(G, "profile_delete_distinct_id_empty", call("profile_delete", distinct_id=""))
case(G, "profile_all_methods_login_id", [
    call("profile_set", distinct_id="u1", profiles={"a": 1}, is_login_id=True),
    call("profile_set_once", distinct_id="u1", profiles={"b": 1}, is_login_id=True),
    call("profile_increment", distinct_id="u1", profiles={"c": 1}, is_login_id=True),
    call("profile_append", distinct_id="u1", profiles={"d": ["x"]}, is_login_id=True),
    call("profile_unset", distinct_id="u1", profile_keys=["e"], is_login_id=True),
    call("profile_delete", distinct_id="u1", is_login_id=True)])

# ---- item -----------------------------------------------------------------------------
G = "item"
case(G, "item_set_basic", call("item_set", item_type="book", item_id="b-1", properties={"title": "T", "price": 9.5}))
case(G, "item_set_properties_omitted", call("item_set", item_type="book", item_id="b-1"))
case(G, "item_set_properties_null", call("item_set", item_type="book", item_id="b-1", properties=None))
case(G, "item_set_value_types", call("item_set", item_type="book", item_id="b-1", properties={
    "s": "x", "i": 3, "f": 0.5, "b": False, "n": None, "l": ["a"], "d": date("2022-12-31")}))
case(G, "item_delete_basic", call("item_delete", item_type="book", item_id="b-1"))
case(G, "item_delete_properties", call("item_delete", item_type="book", item_id="b-1", properties={"why": "gone"}))
case(G, "item_set_time_kept_as_property", call("item_set", item_type="book", item_id="b-1",
                                               properties={"$time": 1700000000123, "a": 1}))
case(G, "item_set_token_kept_as_property", call("item_set", item_type="book", item_id="b-1",
                                                properties={"$token": "tk", "a": 1}))
case(G, "item_set_super_properties_not_applied", call("item_set", item_type="book", item_id="b-1",
                                                      properties={"a": 1}), sp={"s": 1})
case(G, "item_set_app_version_in_lib", call("item_set", item_type="book", item_id="b-1"),
     sp={"$app_version": "3.0"})
case(G, "item_set_int_item_id", call("item_set", item_type="book", item_id=12),
     ours="int item_id is written as a string (docs/SPEC.md §3); the reference writes the int",
     ours_fix=_str_field("item_id"))
case(G, "item_set_dollar_item_type", call("item_set", item_type="$book", item_id="b-1"))
case(G, "item_type_100", call("item_set", item_type="t" * 100, item_id="b-1"))
case(G, "item_type_101", call("item_set", item_type="t" * 101, item_id="b-1"))
case(G, "item_type_digit", call("item_set", item_type="1book", item_id="b-1"))
case(G, "item_type_reserved", call("item_delete", item_type="Users", item_id="b-1"))
case(G, "item_type_dash", call("item_set", item_type="my-book", item_id="b-1"))
case(G, "item_type_empty", call("item_set", item_type="", item_id="b-1"))
case(G, "item_type_null", call("item_set", item_type=None, item_id="b-1"),
     ours="reference raises TypeError (regex match on None)",
     ours_error="item_type must be a valid variable name. [key=None]")
case(G, "item_id_empty", call("item_set", item_type="book", item_id=""))
case(G, "item_id_null", call("item_delete", item_type="book", item_id=None))
case(G, "item_id_255", call("item_set", item_type="book", item_id="i" * 255))
case(G, "item_id_256", call("item_set", item_type="book", item_id="i" * 256))
case(G, "item_type_checked_before_item_id", call("item_set", item_type="1book", item_id=""))
case(G, "item_set_bad_key", call("item_set", item_type="book", item_id="b-1", properties={"Event": 1}))
case(G, "item_set_dict_value", call("item_set", item_type="book", item_id="b-1", properties={"a": {"b": 1}}))
case(G, "item_set_non_dict_properties", call("item_set", item_type="book", item_id="b-1", properties=["a"]),
     ours="reference raises AttributeError (list has no items)",
     ours_error="properties must be a dict type.")

# ---- id_mapping -----------------------------------------------------------------------
G = "id_mapping"
case(G, "bind_login_and_email", call("bind", identities=[ID(LOGIN, "L1"), ID(EMAIL, "a@b.c")]))
case(G, "bind_email_then_login", call("bind", identities=[ID(EMAIL, "a@b.c"), ID(LOGIN, "L1")]))
case(G, "bind_without_login", call("bind", identities=[ID(MOBILE, "13800000000"), ID(EMAIL, "a@b.c")]))
case(G, "bind_three_identities", call("bind", identities=[ID(MOBILE, "138"), ID(EMAIL, "a@b.c"), ID(LOGIN, "L1")]))
case(G, "bind_custom_key", call("bind", identities=[ID("wx_openid", "o-1"), ID("$identity_anonymous_id", "a-1")]))
case(G, "bind_super_properties", call("bind", identities=[ID(LOGIN, "L1"), ID(EMAIL, "e")]),
     sp={"a": 1, "$app_version": "2.0"})
case(G, "bind_one_identity", call("bind", identities=[ID(LOGIN, "L1")]),
     ours="reference raises TypeError (missing positional argument)",
     ours_error="bind needs at least two identities")
case(G, "bind_no_identity", call("bind", identities=[]),
     ours="reference raises TypeError (missing positional arguments)",
     ours_error="bind needs at least two identities")
case(G, "bind_duplicate_key", call("bind", identities=[ID(EMAIL, "a"), ID(EMAIL, "b")]))
case(G, "bind_duplicate_key_three", call("bind", identities=[ID(LOGIN, "L"), ID(EMAIL, "a"), ID(LOGIN, "M")]))
case(G, "unbind_login", call("unbind", identity=ID(LOGIN, "L1")))
case(G, "unbind_email", call("unbind", identity=ID(EMAIL, "a@b.c")))
case(G, "unbind_super_properties", call("unbind", identity=ID(MOBILE, "138")), sp={"a": 1})
case(G, "unbind_empty_value", call("unbind", identity=ID(EMAIL, "")))
case(G, "track_by_id_login", call("track_by_id", event_name="Buy", properties={"p": 1},
                                  identities=[ID(LOGIN, "L1"), ID(EMAIL, "e")]))
case(G, "track_by_id_without_login", call("track_by_id", event_name="Buy", properties={"p": 1},
                                          identities=[ID(EMAIL, "e"), ID(MOBILE, "138")]))
case(G, "track_by_id_properties_null", call("track_by_id", event_name="Buy", properties=None,
                                            identities=[ID(MOBILE, "138")]))
case(G, "track_by_id_properties_empty", call("track_by_id", event_name="Buy", properties={},
                                             identities=[ID(MOBILE, "138")]))
case(G, "track_by_id_super_properties", call("track_by_id", event_name="Buy", properties={"b": 2, "c": 3},
                                             identities=[ID(LOGIN, "L1")]), sp={"a": 1, "b": 1})
case(G, "track_by_id_no_identities", call("track_by_id", event_name="Buy", properties={"p": 1}, identities=[]))
case(G, "track_by_id_non_dict_properties", call("track_by_id", event_name="Buy", properties=["a"],
                                                identities=[ID(LOGIN, "L1")]))
case(G, "track_by_id_bad_event_name", call("track_by_id", event_name="1Buy", properties={},
                                           identities=[ID(LOGIN, "L1")]))
case(G, "track_by_id_bad_property", call("track_by_id", event_name="Buy", properties={"p": {"x": 1}},
                                         identities=[ID(LOGIN, "L1")]))
case(G, "profile_set_by_id_login", call("profile_set_by_id", properties={"name": "Ann"},
                                        identities=[ID(LOGIN, "L1"), ID(EMAIL, "e")]))
case(G, "profile_set_by_id_without_login", call("profile_set_by_id", properties={"name": "Ann"},
                                                identities=[ID(EMAIL, "e")]))
case(G, "profile_set_by_id_super_not_applied", call("profile_set_by_id", properties={"name": "Ann"},
                                                    identities=[ID(EMAIL, "e")]), sp={"a": 1})
case(G, "profile_set_by_id_empty", call("profile_set_by_id", properties={}, identities=[ID(EMAIL, "e")]))
case(G, "profile_set_by_id_null", call("profile_set_by_id", properties=None, identities=[ID(EMAIL, "e")]))
case(G, "profile_set_by_id_non_dict", call("profile_set_by_id", properties=["a"], identities=[ID(EMAIL, "e")]))
case(G, "profile_set_by_id_no_identities", call("profile_set_by_id", properties={"a": 1}, identities=[]))
case(G, "profile_set_once_by_id", call("profile_set_once_by_id", properties={"first": "x"},
                                       identities=[ID(LOGIN, "L1")]))
case(G, "profile_set_once_by_id_without_login", call("profile_set_once_by_id", properties={"first": "x"},
                                                     identities=[ID(MOBILE, "138")]))
case(G, "profile_append_by_id", call("profile_append_by_id", properties={"tags": ["a", "b"]},
                                     identities=[ID(LOGIN, "L1")]))
case(G, "profile_append_by_id_not_list", call("profile_append_by_id", properties={"tags": "a"},
                                              identities=[ID(LOGIN, "L1")]))
case(G, "profile_append_by_id_not_dict", call("profile_append_by_id", properties="x",
                                              identities=[ID(LOGIN, "L1")]))
case(G, "profile_increment_by_id", call("profile_increment_by_id", properties={"n": 3},
                                        identities=[ID(EMAIL, "e"), ID(LOGIN, "L1")]))
case(G, "profile_increment_by_id_float", call("profile_increment_by_id", properties={"n": 0.5},
                                              identities=[ID(LOGIN, "L1")]))
case(G, "profile_increment_by_id_not_dict", call("profile_increment_by_id", properties=None,
                                                 identities=[ID(LOGIN, "L1")]))
case(G, "profile_unset_by_id", call("profile_unset_by_id", profile_keys=["a", "b"],
                                    identities=[ID(LOGIN, "L1")]))
case(G, "profile_unset_by_id_without_login", call("profile_unset_by_id", profile_keys=["a"],
                                                  identities=[ID(EMAIL, "e")]))
case(G, "profile_unset_by_id_dict", call("profile_unset_by_id", profile_keys={"a": True},
                                         identities=[ID(LOGIN, "L1")]))
case(G, "profile_unset_by_id_empty", call("profile_unset_by_id", profile_keys=[], identities=[ID(LOGIN, "L1")]))
case(G, "profile_delete_by_id_login", call("profile_delete_by_id", identities=[ID(LOGIN, "L1")]))
case(G, "profile_delete_by_id_without_login", call("profile_delete_by_id", identities=[ID(EMAIL, "e")]))
case(G, "profile_delete_by_id_no_identities", call("profile_delete_by_id", identities=[]))
case(G, "by_id_project_name", [
    call("bind", identities=[ID(LOGIN, "L1"), ID(EMAIL, "e")]),
    call("track_by_id", event_name="Buy", properties={"p": 1}, identities=[ID(EMAIL, "e")]),
    call("profile_set_by_id", properties={"a": 1}, identities=[ID(EMAIL, "e")])], project_name="proj1")
case(G, "by_id_project_override", call("track_by_id", event_name="Buy", properties={"$project": "p2", "$token": "t"},
                                       identities=[ID(EMAIL, "e")]))
case(G, "by_id_time_not_numeric", call("track_by_id", event_name="Buy", properties={"$time": "abc"},
                                       identities=[ID(LOGIN, "L1")]),
     ours="reference raises ValueError (int('abc'))",
     ours_error="property [time] must be a timestamp in microseconds")
case(G, "by_id_distinct_id_too_long",
     call("profile_set_by_id", properties={"a": 1}, identities=[ID(EMAIL, "e" * 255)]))

# ---- super_properties -----------------------------------------------------------------
G = "super_properties"
case(G, "super_basic", call("track", distinct_id="u1", event_name="E", properties={"c": 3}), sp={"a": 1, "b": "x"})
case(G, "super_only", call("track", distinct_id="u1", event_name="E"), sp={"a": 1, "b": "x"})
case(G, "super_override_in_place", call("track", distinct_id="u1", event_name="E", properties={"d": 4, "b": 20}),
     sp={"a": 1, "b": 2, "c": 3})
case(G, "super_register_via_call", [
    call("register_super_properties", properties={"a": 1, "b": 2}),
    call("track", distinct_id="u1", event_name="E", properties={"c": 3})])
case(G, "super_register_twice", [
    call("register_super_properties", properties={"a": 1, "b": 2}),
    call("register_super_properties", properties={"c": 3, "a": 10}),
    call("track", distinct_id="u1", event_name="E")])
case(G, "super_clear", [
    call("register_super_properties", properties={"a": 1, "$app_version": "1.0"}),
    call("clear_super_properties"),
    call("track", distinct_id="u1", event_name="E", properties={"p": 1})])
case(G, "super_clear_setup", [
    call("clear_super_properties"),
    call("track", distinct_id="u1", event_name="E")], sp={"a": 1})
case(G, "super_clear_then_register", [
    call("clear_super_properties"),
    call("register_super_properties", properties={"z": 26}),
    call("track", distinct_id="u1", event_name="E")], sp={"a": 1})
case(G, "super_change_between_calls", [
    call("track", distinct_id="u1", event_name="A"),
    call("register_super_properties", properties={"b": 2}),
    call("track", distinct_id="u1", event_name="B")], sp={"a": 1})
case(G, "super_app_version", call("track", distinct_id="u1", event_name="E", properties={"p": 1}),
     sp={"a": 1, "$app_version": "1.2.0"})
case(G, "super_app_version_overridden_by_call", call("track", distinct_id="u1", event_name="E",
                                                     properties={"$app_version": "2.0"}), sp={"$app_version": "1.0"})
case(G, "app_version_call_property_not_in_lib", call("track", distinct_id="u1", event_name="E",
                                                     properties={"$app_version": "2.0"}))
case(G, "super_app_version_in_profile_lib", call("profile_set", distinct_id="u1", profiles={"a": 1}),
     sp={"$app_version": "1.2.0", "s": 1})
case(G, "super_not_applied_profiles", [
    call("profile_set", distinct_id="u1", profiles={"a": 1}),
    call("profile_set_once", distinct_id="u1", profiles={"a": 1}),
    call("profile_increment", distinct_id="u1", profiles={"a": 1}),
    call("profile_append", distinct_id="u1", profiles={"a": ["x"]}),
    call("profile_unset", distinct_id="u1", profile_keys=["a"]),
    call("profile_delete", distinct_id="u1")], sp={"s": 1})
case(G, "super_not_applied_items", [
    call("item_set", item_type="book", item_id="b", properties={"a": 1}),
    call("item_delete", item_type="book", item_id="b")], sp={"s": 1})
case(G, "super_applied_track_signup", call("track_signup", distinct_id="L", original_id="A", properties={"p": 1}),
     sp={"s": 1})
case(G, "super_applied_bind_unbind", [
    call("bind", identities=[ID(LOGIN, "L"), ID(EMAIL, "e")]),
    call("unbind", identity=ID(EMAIL, "e"))], sp={"s": 1, "t": "x"})
case(G, "super_applied_track_by_id", call("track_by_id", event_name="E", properties={"p": 1},
                                          identities=[ID(EMAIL, "e")]), sp={"s": 1})
case(G, "super_with_login_id", call("track", distinct_id="u1", event_name="E", properties={"p": 1},
                                    is_login_id=True), sp={"s": 1})
case(G, "super_value_types", call("track", distinct_id="u1", event_name="E"),
     sp={"l": ["a"], "d": date("2023-01-09"), "dt": dt("2023-01-09T10:11:12.345+00:00"), "n": None, "b": True,
         "f": 2.5})
case(G, "super_time", call("track", distinct_id="u1", event_name="E", properties={"p": 1}),
     sp={"$time": 1700000000123, "s": 1})
case(G, "super_time_overridden_by_call", call("track", distinct_id="u1", event_name="E",
                                              properties={"$time": 1700000001}), sp={"$time": 1700000000123})
case(G, "super_token", call("track", distinct_id="u1", event_name="E"), sp={"$token": "tk", "s": 1})
case(G, "super_project", call("track", distinct_id="u1", event_name="E"), sp={"$project": "sp_proj"})
case(G, "super_invalid_key_error_at_track", [
    call("register_super_properties", properties={"1bad": 1}),
    call("track", distinct_id="u1", event_name="E")])
case(G, "super_invalid_key_profile_ok", [
    call("register_super_properties", properties={"1bad": 1}),
    call("profile_set", distinct_id="u1", profiles={"a": 1})])
case(G, "super_invalid_value_error_at_track", call("track", distinct_id="u1", event_name="E"),
     sp={"s": ["a", 1]})
# Errors follow the merged dict's order: the overridden super key first, before a call key
# that comes earlier in the call's own properties.
case(G, "super_overridden_invalid_reported_before_call_error",
     call("track", distinct_id="u1", event_name="E", properties={"1bad": 1, "a": "x" * 8193}),
     sp={"a": 1})
case(G, "super_overridden_by_call_after_new_keys",
     call("track", distinct_id="u1", event_name="E", properties={"n1": 1, "b": 20, "n2": 2}),
     sp={"a": 1, "b": 2, "c": 3})

# ---- time -----------------------------------------------------------------------------
G = "time"
T = lambda t, **kw: call("track", distinct_id="u1", event_name="E", properties=dict({"$time": t}, **kw))
case(G, "time_10_digits", T(1700000000, p=1))
case(G, "time_13_digits", T(1709222398007))
case(G, "time_11_digits", T(17000000001))
case(G, "time_12_digits", T(170000000012))
case(G, "time_9_digits", T(999999999))
case(G, "time_14_digits", T(17092223980071))
case(G, "time_string_10_digits", T("1700000000"))
case(G, "time_string_13_digits", T("1709222398007"))
case(G, "time_string_9_digits", T("170000000"))
case(G, "time_not_numeric", T("abc"),
     ours="reference raises ValueError (int('abc'))",
     ours_error="property [time] must be a timestamp in microseconds")
case(G, "time_dict", T({"a": 1}),
     ours="reference raises TypeError (int() of a dict)",
     ours_error="property [time] must be a timestamp in microseconds")


def _fix_time(iso):
    d = datetime.datetime.fromisoformat(iso)
    ms = (d - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)

    def fix(records):
        out = []
        for r in records:
            r = dict(r)
            r["time"] = ms
            out.append(r)
        return out
    return fix


for nm, iso in [("time_datetime_plus_0800", "2024-02-29T23:59:58.007+08:00"),
                ("time_datetime_utc", "2023-11-14T22:13:20.123+00:00"),
                ("time_datetime_minus_0530", "2024-01-01T00:00:00.000-05:30")]:
    case(G, nm, T(dt(iso), p=1),
         ours="an aware datetime $time uses its own offset (the reference reads it as local time)",
         ours_fix=_fix_time(iso))
case(G, "time_datetime_profile_set",
     call("profile_set", distinct_id="u1", profiles={"$time": dt("2024-02-29T23:59:58.500+08:00")}),
     ours="an aware datetime $time uses its own offset (the reference reads it as local time)",
     ours_fix=_fix_time("2024-02-29T23:59:58.500+08:00"))
case(G, "time_with_login_id", call("track", distinct_id="u1", event_name="E",
                                   properties={"a": 1, "$time": 1700000000123, "b": 2}, is_login_id=True))
case(G, "time_track_signup", call("track_signup", distinct_id="L", original_id="A",
                                  properties={"$time": 1700000000}))
case(G, "time_profile_set", call("profile_set", distinct_id="u1", profiles={"$time": 1700000000123, "a": 1}))
case(G, "time_profile_increment", call("profile_increment", distinct_id="u1", profiles={"$time": 1700000000, "a": 1}))
case(G, "time_profile_9_digits", call("profile_set_once", distinct_id="u1", profiles={"$time": 123456789}))
case(G, "time_track_by_id", call("track_by_id", event_name="E", properties={"$time": 1700000000123},
                                 identities=[ID(LOGIN, "L1")]))
case(G, "time_profile_set_by_id", call("profile_set_by_id", properties={"$time": 1700000000, "a": 1},
                                       identities=[ID(EMAIL, "e")]))
case(G, "time_checked_before_event_name", call("track", distinct_id="u1", event_name="1bad",
                                               properties={"$time": 12}))
case(G, "time_item_not_validated", call("item_set", item_type="book", item_id="b", properties={"$time": 12}))

# ---- project_token --------------------------------------------------------------------
G = "project_token"
case(G, "project_name_track", call("track", distinct_id="u1", event_name="E", properties={"p": 1}),
     project_name="proj1")
case(G, "project_name_all_methods", [
    call("track_signup", distinct_id="L", original_id="A"),
    call("profile_set", distinct_id="u1", profiles={"a": 1}),
    call("profile_delete", distinct_id="u1"),
    call("item_set", item_type="book", item_id="b"),
    call("unbind", identity=ID(EMAIL, "e"))], project_name="proj1")
case(G, "project_override_with_project_name", call("track", distinct_id="u1", event_name="E",
                                                   properties={"$project": "proj2", "p": 1}), project_name="proj1")
case(G, "project_override_without_project_name", call("track", distinct_id="u1", event_name="E",
                                                      properties={"$project": "proj2", "p": 1}))
case(G, "project_override_track_signup", call("track_signup", distinct_id="L", original_id="A",
                                              properties={"$project": "proj2"}))
case(G, "project_override_profile", call("profile_set", distinct_id="u1", profiles={"$project": "proj2", "a": 1}))
case(G, "project_and_token", call("track", distinct_id="u1", event_name="E",
                                  properties={"$token": "tk", "$project": "proj2"}, is_login_id=True))
case(G, "project_and_token_with_project_name", call("track", distinct_id="u1", event_name="E",
                                                    properties={"$token": "tk", "$project": "proj2"}),
     project_name="proj1")
case(G, "token_track", call("track", distinct_id="u1", event_name="E", properties={"$token": "tk", "p": 1}))
case(G, "token_profile", call("profile_set", distinct_id="u1", profiles={"$token": "tk", "a": 1}))
case(G, "token_profile_delete_not_possible", call("profile_delete", distinct_id="u1"), project_name="proj1")
case(G, "token_track_by_id", call("track_by_id", event_name="E", properties={"$token": "tk"},
                                  identities=[ID(LOGIN, "L")]))
case(G, "project_item_override", call("item_set", item_type="book", item_id="b", properties={"$project": "proj2", "a": 1}))
case(G, "project_item_override_with_project_name", call("item_delete", item_type="book", item_id="b",
                                                        properties={"$project": "proj2"}), project_name="proj1")
case(G, "project_item_empty_override_kept", call("item_set", item_type="book", item_id="b",
                                                 properties={"$project": "", "a": 1}))
case(G, "project_name_invalid", call("track", distinct_id="u1", event_name="E"), project_name="bad-name")
case(G, "project_name_invalid_profile", call("profile_set", distinct_id="u1", profiles={"a": 1}),
     project_name="1proj")
case(G, "project_override_invalid", call("track", distinct_id="u1", event_name="E",
                                         properties={"$project": "my project"}))
case(G, "project_override_reserved", call("track", distinct_id="u1", event_name="E",
                                          properties={"$project": "Events"}))
case(G, "project_override_empty", call("track", distinct_id="u1", event_name="E", properties={"$project": ""}))
case(G, "project_checked_before_properties", call("track", distinct_id="u1", event_name="E",
                                                  properties={"$project": "1p", "2bad": 1}))
case(G, "event_name_checked_before_project", call("track", distinct_id="u1", event_name="2E",
                                                  properties={"$project": "1p"}))
case(G, "project_name_100", call("track", distinct_id="u1", event_name="E"), project_name="p" * 100)
case(G, "project_name_101", call("track", distinct_id="u1", event_name="E"), project_name="p" * 101)

# ---- validation_names -----------------------------------------------------------------
G = "validation_names"
P = lambda props: call("track", distinct_id="u1", event_name="E", properties=props)
case(G, "event_name_100", call("track", distinct_id="u1", event_name="E" * 100))
case(G, "event_name_101", call("track", distinct_id="u1", event_name="E" * 101))
case(G, "event_name_digit_start", call("track", distinct_id="u1", event_name="1Event"))
case(G, "event_name_dash", call("track", distinct_id="u1", event_name="view-item"))
case(G, "event_name_space", call("track", distinct_id="u1", event_name="view item"))
case(G, "event_name_empty", call("track", distinct_id="u1", event_name=""))
case(G, "event_name_reserved_event", call("track", distinct_id="u1", event_name="Event"))
case(G, "event_name_reserved_distinct_id", call("track", distinct_id="u1", event_name="DISTINCT_ID"))
case(G, "event_name_user_tag_prefix", call("track", distinct_id="u1", event_name="user_tag_x"))
case(G, "event_name_underscore_dollar", call("track", distinct_id="u1", event_name="_a$b_9"))
case(G, "event_name_dot", call("track", distinct_id="u1", event_name="a.b"))
case(G, "event_name_trailing_newline", call("track", distinct_id="u1", event_name="E\n"),
     ours="the reference's regex `$` also matches before a trailing newline and accepts it",
     ours_error="event name must be a valid variable name. [name=E\n]")
case(G, "property_key_100", P({"k" * 100: 1}))
case(G, "property_key_101", P({"k" * 101: 1}))
case(G, "property_key_255", P({"k" * 255: 1}))
case(G, "property_key_256", P({"k" * 256: 1}))
case(G, "property_key_empty", P({"": 1}))
case(G, "property_key_dollar_only", P({"$": 1}))
case(G, "property_key_dollar_prefix", P({"$abc": 1, "_x": 2, "a$": 3, "A1": 4}))
case(G, "property_key_digit_start", P({"1abc": 1}))
case(G, "property_key_dash", P({"a-b": 1}))
case(G, "property_key_space", P({"a b": 1}))
case(G, "property_key_leading_space", P({" a": 1}))
case(G, "property_key_dot", P({"a.b": 1}))
case(G, "property_key_trailing_newline", P({"a\n": 1}),
     ours="the reference's regex `$` also matches before a trailing newline and accepts it",
     ours_error="property key must be a valid variable name. [key=a\n]")
for i, reserved in enumerate(["Distinct_Id", "ORIGINAL_ID", "Time", "properties", "ID", "First_Id", "SECOND_ID",
                              "Users", "EVENTS", "event", "Event_Id", "DEVICE_ID", "User_Id", "DATE", "DateTime"]):
    case(G, "property_key_reserved_%s" % reserved.lower(), P({"ok": 1, reserved: 1}))
case(G, "property_key_user_group_prefix", P({"User_Group1": 1}))
case(G, "property_key_user_group_exact", P({"user_group": 1}))
case(G, "property_key_user_tag_prefix", P({"USER_TAGs": 1}))
case(G, "property_key_user_tag_exact", P({"user_tag": 1}))
case(G, "property_key_near_reserved_ok", P({"time1": 1, "ids": 2, "my_date": 3, "event_ids": 4, "xuser_group": 5,
                                            "_user_tag": 6, "users_": 7, "date_time": 8}))
case(G, "property_key_first_bad_reported", P({"ok": 1, "1bad": 2, "2bad": 3}))
case(G, "property_key_checked_before_value", P({"a b": {"x": 1}}))
case(G, "property_key_unicode", P({"名字": "x"}))
case(G, "identity_key_reserved", call("bind", identities=[ID(LOGIN, "L"), ID("user_id", "x")]))
case(G, "identity_key_dash", call("unbind", identity=ID("my-id", "x")))
case(G, "identity_key_101", call("profile_delete_by_id", identities=[ID("k" * 101, "x")]))
case(G, "identity_key_256", call("profile_delete_by_id", identities=[ID("k" * 256, "x")]))
case(G, "identity_key_int", call("unbind", identity=ID(5, "x")))

# ---- validation_ids -------------------------------------------------------------------
G = "validation_ids"
D = lambda d: call("track", distinct_id=d, event_name="E")
case(G, "distinct_id_empty", D(""))
case(G, "distinct_id_null", D(None))
case(G, "distinct_id_1", D("a"))
case(G, "distinct_id_255", D("d" * 255))
case(G, "distinct_id_256", D("d" * 256))
case(G, "distinct_id_255_cjk", D("用" * 255))
case(G, "distinct_id_256_cjk", D("用" * 256))
case(G, "distinct_id_blank_accepted", D(" "))
case(G, "distinct_id_int", D(9876543210))
case(G, "distinct_id_checked_before_event_name", call("track", distinct_id="", event_name="1bad"))
case(G, "distinct_id_profile_256", call("profile_set_once", distinct_id="d" * 256, profiles={"a": 1}))
case(G, "distinct_id_profile_delete_null", call("profile_delete", distinct_id=None))
case(G, "distinct_id_profile_unset_empty", call("profile_unset", distinct_id="", profile_keys=["a"]))
case(G, "distinct_id_profile_append_empty", call("profile_append", distinct_id="", profiles={"a": ["x"]}))
case(G, "item_id_255_cjk", call("item_set", item_type="book", item_id="物" * 255))
case(G, "item_id_256_cjk", call("item_set", item_type="book", item_id="物" * 256))
case(G, "original_id_255_cjk", call("track_signup", distinct_id="L", original_id="原" * 255))
case(G, "original_id_256_cjk", call("track_signup", distinct_id="L", original_id="原" * 256))
case(G, "identity_value_empty", call("bind", identities=[ID(LOGIN, "L"), ID(EMAIL, "")]))
case(G, "identity_value_blank", call("bind", identities=[ID(LOGIN, "L"), ID(EMAIL, "   ")]))
case(G, "identity_value_tab", call("unbind", identity=ID(EMAIL, "\t\n")))
case(G, "identity_value_padded_kept", call("unbind", identity=ID(EMAIL, " e ")))
case(G, "identity_value_255", call("track_by_id", event_name="E", properties={},
                                   identities=[ID(LOGIN, "v" * 255)]))
case(G, "identity_value_256", call("track_by_id", event_name="E", properties={},
                                   identities=[ID(LOGIN, "v" * 256)]))
case(G, "identity_value_255_cjk", call("unbind", identity=ID(LOGIN, "身" * 255)))
case(G, "identity_value_256_cjk", call("unbind", identity=ID(LOGIN, "身" * 256)))
case(G, "identity_value_int", call("unbind", identity=ID(LOGIN, 5)))
case(G, "identity_value_null", call("profile_set_by_id", properties={"a": 1}, identities=[ID(LOGIN, None)]))
case(G, "identity_duplicate_key", call("track_by_id", event_name="E", properties={},
                                       identities=[ID(MOBILE, "1"), ID(LOGIN, "L"), ID(MOBILE, "2")]))
case(G, "identity_duplicate_same_value", call("profile_delete_by_id", identities=[ID(LOGIN, "L"), ID(LOGIN, "L")]))
case(G, "identity_checked_in_order", call("bind", identities=[ID("1bad", "x"), ID(EMAIL, "")]))
case(G, "identity_value_checked_before_duplicates",
     call("bind", identities=[ID(EMAIL, "a"), ID(EMAIL, "b"), ID(MOBILE, "")]))

# ---- validation_values ----------------------------------------------------------------
G = "validation_values"
case(G, "string_value_8191", P({"s": "v" * 8191}))
case(G, "string_value_8192", P({"s": "v" * 8192}))
case(G, "string_value_8192_cjk", P({"s": "值" * 8192}))
case(G, "string_value_8192_profile", call("profile_set", distinct_id="u1", profiles={"s": "v" * 8192}))
case(G, "string_value_8192_item", call("item_set", item_type="book", item_id="b", properties={"s": "v" * 8192}))
case(G, "string_value_empty", P({"s": ""}))
case(G, "list_value_long_element_accepted", P({"l": ["v" * 8192]}))
case(G, "list_value_int_element", P({"l": ["a", 1]}))
case(G, "list_value_float_element", P({"l": [1.5]}))
case(G, "list_value_bool_element", P({"l": [True]}))
case(G, "list_value_null_element", P({"l": [None]}))
case(G, "list_value_list_element", P({"l": [["a"]]}))
case(G, "list_value_dict_element", P({"l": [{"a": 1}]}))
case(G, "list_value_date_element", P({"l": [date("2023-01-09")]}))
case(G, "list_value_datetime_element", P({"l": [dt("2023-01-09T01:02:03.456+00:00")]}))
case(G, "dict_value", P({"a": 1, "d": {"x": 1}}))
case(G, "dict_value_empty", P({"d": {}}))
case(G, "dict_value_profile", call("profile_set", distinct_id="u1", profiles={"d": {"x": 1}}))
case(G, "null_value", P({"n": None}))
case(G, "bool_values", P({"t": True, "f": False}))
case(G, "bool_value_profile", call("profile_set", distinct_id="u1", profiles={"vip": True}))
case(G, "value_error_first_key_reported", P({"ok": 1, "a": {"x": 1}, "b": ["a", 1]}))
case(G, "nan_value_profile", call("profile_set", distinct_id="u1", profiles={"score": flt("NaN")}),
     ours="reference writes NaN, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=score]")
case(G, "infinity_value_item", call("item_set", item_type="book", item_id="b", properties={"w": flt("Infinity")}),
     ours="reference writes Infinity, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=w]")
case(G, "nan_value_super", call("track", distinct_id="u1", event_name="E"), sp={"s": flt("NaN")},
     ours="reference writes NaN, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=s]")
case(G, "nan_value_by_id", call("profile_set_by_id", properties={"x": flt("-Infinity")},
                                identities=[ID(LOGIN, "L")]),
     ours="reference writes -Infinity, which is not JSON",
     ours_error="property value must not be NaN or Infinity. [key=x]")

# ---- datetime -------------------------------------------------------------------------
G = "datetime"
case(G, "datetime_aware_ms_123", P({"t": dt("2024-02-29T23:59:58.123+08:00")}))
case(G, "datetime_aware_ms_007", P({"t": dt("2024-02-29T23:59:58.007+08:00")}))
case(G, "datetime_aware_ms_000", P({"t": dt("2024-03-01T00:00:00.000+08:00")}))
case(G, "datetime_aware_ms_050", P({"t": dt("2024-03-01T00:00:00.050+00:00")}))
case(G, "datetime_aware_negative_offset", P({"t": dt("2023-12-31T19:30:00.999-05:30")}))
case(G, "datetime_naive_ms_456", P({"t": dt("2022-07-04T12:34:56.456")}))
case(G, "datetime_naive_ms_001", P({"t": dt("2022-07-04T12:34:56.001")}))
case(G, "datetime_end_of_year", P({"t": dt("1999-12-31T23:59:59.999+00:00")}))
case(G, "date_value", P({"d": date("2023-01-09")}))
case(G, "date_value_leap_day", P({"d": date("2000-02-29")}))
case(G, "date_and_datetime_together", P({"d": date("2023-01-09"), "t": dt("2023-01-09T08:00:00.100+08:00")}))
case(G, "datetime_profile_set", call("profile_set", distinct_id="u1", profiles={
    "birthday": date("1990-10-01"), "last": dt("2024-02-29T23:59:58.007+08:00")}))
case(G, "datetime_profile_set_once", call("profile_set_once", distinct_id="u1", profiles={
    "first": dt("2024-02-29T23:59:58.700+08:00")}))
case(G, "datetime_item", call("item_set", item_type="book", item_id="b", properties={
    "published": date("2001-01-01"), "updated": dt("2024-05-05T05:05:05.005+00:00")}))
case(G, "datetime_super_property", call("track", distinct_id="u1", event_name="E"),
     sp={"since": dt("2020-01-01T00:00:00.000+00:00")})
case(G, "datetime_track_by_id", call("track_by_id", event_name="E", properties={"t": dt("2024-01-02T03:04:05.678+00:00")},
                                     identities=[ID(LOGIN, "L")]))

# ---- unicode --------------------------------------------------------------------------
G = "unicode"
case(G, "unicode_cjk_value", P({"name": "中文名字", "city": "東京"}))
case(G, "unicode_emoji_value", P({"e": "👍🏽 ok 🎉", "flag": "🇨🇳"}))
case(G, "unicode_list_values", P({"l": ["中", "😀", "ä"]}))
case(G, "unicode_escapes_value", P({"s": "quote\" back\\ slash/ nl\n cr\r tab\t nul\u0000 bel\u0007 del\u007f "
                                          "ls\u2028 ps\u2029 bom\ufeff"}))
case(G, "unicode_cjk_distinct_id", call("track", distinct_id="用户一", event_name="E"))
case(G, "unicode_emoji_distinct_id_255", D("😀" * 255))
case(G, "unicode_emoji_distinct_id_256", D("😀" * 256))
case(G, "unicode_combining_distinct_id_256", D("e\u0301" * 128))
case(G, "unicode_emoji_value_8191", P({"s": "😀" * 8191}))
case(G, "unicode_emoji_value_8192", P({"s": "😀" * 8192}))
case(G, "unicode_key_invalid", P({"名字": 1}))
case(G, "unicode_key_accented_invalid", P({"café": 1}))
case(G, "unicode_event_name_invalid", call("track", distinct_id="u1", event_name="购买"))
case(G, "unicode_item_type_invalid", call("item_set", item_type="书", item_id="b"))
case(G, "unicode_item_id", call("item_set", item_type="book", item_id="书-1", properties={"title": "书名"}))
case(G, "unicode_identity_value", call("bind", identities=[ID(LOGIN, "用户"), ID(EMAIL, "ü@例子.cn")]))
case(G, "unicode_profile_append", call("profile_append", distinct_id="用户", profiles={"tags": ["标签", "🏷"]}))
case(G, "unicode_project_name_invalid", call("track", distinct_id="u1", event_name="E"), project_name="项目")
case(G, "unicode_token", call("track", distinct_id="u1", event_name="E", properties={"$token": "令牌"}))

# ---- time_free ------------------------------------------------------------------------
G = "time_free"
case(G, "time_free_track", call("track", distinct_id="u1", event_name="E", properties={"p": 1}), time_free=True)
case(G, "time_free_track_signup", call("track_signup", distinct_id="L", original_id="A"), time_free=True)
case(G, "time_free_profiles", [
    call("profile_set", distinct_id="u1", profiles={"a": 1}),
    call("profile_set_once", distinct_id="u1", profiles={"a": 1}, is_login_id=True),
    call("profile_increment", distinct_id="u1", profiles={"a": 1}),
    call("profile_append", distinct_id="u1", profiles={"a": ["x"]}),
    call("profile_unset", distinct_id="u1", profile_keys=["a"]),
    call("profile_delete", distinct_id="u1")], time_free=True)
case(G, "time_free_item_absent", [call("item_set", item_type="book", item_id="b"),
                                  call("item_delete", item_type="book", item_id="b")], time_free=True)
case(G, "time_free_bind_unbind", [call("bind", identities=[ID(LOGIN, "L"), ID(EMAIL, "e")]),
                                  call("unbind", identity=ID(EMAIL, "e"))], time_free=True)
case(G, "time_free_by_id", [
    call("track_by_id", event_name="E", properties={"p": 1}, identities=[ID(EMAIL, "e")]),
    call("profile_set_by_id", properties={"a": 1}, identities=[ID(LOGIN, "L")]),
    call("profile_delete_by_id", identities=[ID(LOGIN, "L")])], time_free=True)
case(G, "time_free_with_time", call("track", distinct_id="u1", event_name="E", properties={"$time": 1500000000000}),
     time_free=True)
case(G, "time_free_token_project_order", call("track", distinct_id="u1", event_name="E",
                                              properties={"$project": "proj2", "$token": "tk"}), time_free=True)
case(G, "time_free_with_project_name", call("track_signup", distinct_id="L", original_id="A",
                                            properties={"$token": "tk"}), time_free=True, project_name="proj1")
case(G, "time_free_false_absent", call("track", distinct_id="u1", event_name="E"), time_free=False)

# ---- argument_order -------------------------------------------------------------------
# Where an argument's shape (None, falsy, a dict, a list, something else; an identity of the
# wrong type) is checked relative to the other checks. The core applies these rules once
# (core/src/args.rs) for the bindings of dynamic languages.
G = "argument_order"
case(G, "order_track_properties_before_distinct_id",
     call("track", distinct_id="", event_name="E", properties=["a"]),
     ours="reference raises ValueError (dict.update of a list) before any other check",
     ours_error="properties must be a dict type.")
case(G, "order_track_falsy_properties_ignored", call("track", distinct_id="u1", event_name="E", properties=""))
case(G, "order_track_distinct_id_before_null_event_name", call("track", distinct_id="", event_name=None))
case(G, "order_track_time_before_null_event_name",
     call("track", distinct_id="u1", event_name=None, properties={"$time": 12}))
case(G, "order_track_signup_original_id_before_properties",
     call("track_signup", distinct_id="u1", original_id="", properties="x"))
case(G, "order_profile_set_shape_before_distinct_id", call("profile_set", distinct_id="", profiles="x"),
     ours="reference raises AttributeError (str has no items)",
     ours_error="profiles must be dict type.")
case(G, "order_profile_increment_null_before_distinct_id",
     call("profile_increment", distinct_id="", profiles=None))
case(G, "order_profile_unset_shape_before_distinct_id", call("profile_unset", distinct_id="", profile_keys=5),
     ours="reference raises TypeError (int is not iterable)",
     ours_error="profile_keys must be a list or dict.")
case(G, "order_profile_delete_distinct_id_empty", call("profile_delete", distinct_id=""))
case(G, "order_item_type_before_properties", call("item_set", item_type="1book", item_id="b-1", properties=["a"]))
case(G, "order_item_id_before_properties", call("item_delete", item_type="book", item_id="", properties=["a"]))
case(G, "order_item_type_null_before_properties",
     call("item_set", item_type=None, item_id="b-1", properties=["a"]),
     ours="reference raises TypeError (regex match on None)",
     ours_error="item_type must be a valid variable name. [key=None]")
case(G, "order_item_falsy_properties_refused", call("item_set", item_type="book", item_id="b-1", properties=""),
     ours="reference raises AttributeError (str has no items)",
     ours_error="properties must be a dict type.")
case(G, "order_track_by_id_identities_before_properties",
     call("track_by_id", event_name="E", properties=["a"], identities=[]))
case(G, "order_track_by_id_properties_before_event_name",
     call("track_by_id", event_name="1bad", properties="x", identities=[ID(LOGIN, "L1")]))
case(G, "order_track_by_id_null_event_name", call("track_by_id", event_name=None, properties={},
                                                   identities=[ID(LOGIN, "L1")]),
     ours="reference raises TypeError (regex match on None)",
     ours_error="event name must be a valid variable name. [name=None]")
case(G, "order_profile_set_by_id_empty_before_identities",
     call("profile_set_by_id", properties=None, identities=[]))
case(G, "order_profile_set_by_id_falsy_before_type",
     call("profile_set_by_id", properties="", identities=[ID(LOGIN, "L1")]))
case(G, "order_profile_set_by_id_type_before_identities",
     call("profile_set_once_by_id", properties="x", identities=[]))
case(G, "order_profile_increment_by_id_values_before_identities",
     call("profile_increment_by_id", properties={"a": "x"}, identities=[]))
case(G, "order_profile_append_by_id_empty_before_identities",
     call("profile_append_by_id", properties={}, identities=[]))
case(G, "order_profile_unset_by_id_shape_before_identities",
     call("profile_unset_by_id", profile_keys=None, identities=[]))
case(G, "order_profile_unset_by_id_empty_before_identities",
     call("profile_unset_by_id", profile_keys=[], identities=[ID(LOGIN, 5)]))
case(G, "order_bind_count_before_identity_type", call("bind", identities=[ID(LOGIN, 5)]),
     ours="reference raises TypeError (bind takes two identities)",
     ours_error="bind needs at least two identities")
case(G, "order_identity_key_not_str", call("bind", identities=[ID(LOGIN, "L1"), ID(5, "x")]))
case(G, "order_identity_value_not_str", call("bind", identities=[ID(LOGIN, "L1"), ID(EMAIL, 5)]))
case(G, "order_identity_key_before_value", call("unbind", identity=ID("1bad", 5)))
case(G, "order_identity_first_checked_whole_before_second",
     call("bind", identities=[ID(EMAIL, " "), ID(5, 5)]))
case(G, "order_identity_types_before_duplicates",
     call("profile_delete_by_id", identities=[ID(EMAIL, "a"), ID(EMAIL, "b"), ID(LOGIN, None)]))

# --------------------------------------------------------------------------------------
# Building the vectors
# --------------------------------------------------------------------------------------

GROUPS = ["track", "track_signup", "profile", "item", "id_mapping", "super_properties", "time", "project_token",
          "validation_names", "validation_ids", "validation_values", "datetime", "unicode", "time_free", "argument_order"]


class _PaddedMilliseconds(object):
    """Temporarily make the reference's encoder write datetimes with zero-padded milliseconds
    (our deviation), so the generator can tell where it matters."""

    def __enter__(self):
        enc = sa_mod.SensorsAnalytics.DatetimeSerializer
        self._orig = enc.__dict__["default"]
        orig = self._orig

        def default(encoder, obj):
            if isinstance(obj, datetime.datetime):
                return obj.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (obj.microsecond // 1000)
            return orig(encoder, obj)
        enc.default = default
        return self

    def __exit__(self, *exc):
        sa_mod.SensorsAnalytics.DatetimeSerializer.default = self._orig


def _records(run):
    out = []
    for i, line in run["lines"]:
        out.append(normalise(json.loads(line), run["has_time"][i]))
    return out


def build_case(defn):
    vec = {"name": defn["name"], "setup": defn["setup"], "calls": defn["calls"]}
    raw = run_case(vec)
    ours = []
    if defn["ours"]:
        ours.append(defn["ours"])
    n_calls = len(vec["calls"])

    if defn["ours_error"] is not None:
        e = raw["error"]
        assert e is None or error_kind(e) is None or str(e) != defn["ours_error"], defn["name"]
        assert defn["ours"], defn["name"]
        vec["ours"] = "; ".join(ours)
        vec["error"] = {"kind": "IllegalData", "message": defn["ours_error"]}
        # ours: only the last call fails, and nothing before it emits a record
        assert not [1 for i, _ in raw["lines"] if i < n_calls - 1], defn["name"]
        return vec

    if defn["ours_expect"] is not None:
        assert raw["error"] is not None and error_kind(raw["error"]) is None, defn["name"]
        assert defn["ours"], defn["name"]
        vec["ours"] = "; ".join(ours)
        vec["expect"] = defn["ours_expect"]
        return vec

    if raw["error"] is not None:
        kind = error_kind(raw["error"])
        if kind is None:
            raise SystemExit("case %s: the reference raised %s: %s; define ours_error/ours_expect"
                             % (defn["name"], type(raw["error"]).__name__, raw["error"]))
        if raw["error_at"] != n_calls - 1 or raw["lines"]:
            raise SystemExit("case %s: an error case must fail at its last call and emit nothing" % defn["name"])
        vec["error"] = {"kind": kind, "message": str(raw["error"])}
        if defn["ours"]:
            vec["ours"] = "; ".join(ours)
        return vec

    if len(raw["lines"]) > n_calls:
        raise SystemExit("case %s: more records than calls" % defn["name"])
    for _, line in raw["lines"]:
        json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(
            SystemExit("case %s: reference wrote %s; define ours_error" % (defn["name"], c))))
    reference = _records(raw)
    expect = reference
    with _PaddedMilliseconds():
        padded = _records(run_case(vec))
    if padded != expect:
        ours.append("datetime milliseconds zero-padded (the reference writes e.g. .7 for .007)")
        expect = padded
    if any(r.get("properties", {}) is None for r in expect):
        ours.append("properties is always an object (the reference writes null)")
        expect = [dict(r, properties={} if r.get("properties") is None else r["properties"]) for r in expect]
    if defn["ours_fix"] is not None:
        assert defn["ours"], defn["name"]
        fixed = defn["ours_fix"](expect)
        expect = fixed
    if ours:
        vec["ours"] = "; ".join(ours)
    vec["expect"] = expect
    return vec


def main():
    names = set()
    by_group = {g: [] for g in GROUPS}
    for group, defn in CASES:
        assert group in by_group, group
        assert re.match(r"^[a-z0-9_]+$", defn["name"]), defn["name"]
        assert defn["name"] not in names, "duplicate case name %s" % defn["name"]
        names.add(defn["name"])
        by_group[group].append(build_case(defn))
    total = 0
    for g in GROUPS:
        path = os.path.join(VECTORS_DIR, g + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"group": g, "cases": by_group[g]}, f, ensure_ascii=False, indent=1, allow_nan=False)
            f.write("\n")
        n_ours = sum(1 for c in by_group[g] if "ours" in c)
        total += len(by_group[g])
        print("%-18s %3d cases (%d ours)" % (g + ".json", len(by_group[g]), n_ours))
    print("total %d cases" % total)


if __name__ == "__main__":
    main()
