"""Same names, positional order, keyword names and defaults as the reference SDK 1.11.0:
every public method of SensorsAnalytics and the constructors of every public class,
compared with what `inspect.signature` says of the reference (in its own interpreter)."""

import inspect
import json
import os
import subprocess
import sys

import pytest

import sensorsanalytics
from test_differential import REF_PYTHON

DUMP = r'''
import inspect, json, sensorsanalytics as m
out = {}
def sig(f):
    return [[p.name, str(p.kind), repr(p.default) if p.default is not p.empty else None]
            for p in inspect.signature(f).parameters.values()]
for name in dir(m.SensorsAnalytics):
    f = getattr(m.SensorsAnalytics, name)
    if not name.startswith("_") and inspect.isfunction(f):
        out["SensorsAnalytics." + name] = sig(f)
for cls in ("SensorsAnalytics", "SensorsAnalyticsIdentity", "DefaultConsumer", "BatchConsumer",
            "AsyncBatchConsumer", "DebugConsumer", "ConsoleConsumer", "LoggingConsumer",
            "ConcurrentLoggingConsumer"):
    out[cls] = sig(getattr(m, cls))
print(json.dumps(out))
'''


OURS_EXTRA = {"spool_dir", "spool_max_bytes", "spool_fsync", "on_error", "ca_file", "proxy", "headers", "gzip"}


def _signature(f):
    return [[p.name, str(p.kind), repr(p.default) if p.default is not p.empty else None]
            for p in inspect.signature(f).parameters.values()]


@pytest.fixture(scope="module")
def reference_signatures():
    if REF_PYTHON is None:
        if os.environ.get("SA_REQUIRE_REF"):
            pytest.fail("the reference SDK's interpreter is missing (SA_REF_PYTHON)")
        pytest.skip("no reference SDK interpreter")
    out = subprocess.run([REF_PYTHON, "-c", DUMP], stdout=subprocess.PIPE, check=True, cwd="/")
    return json.loads(out.stdout)


NAMES = ["SensorsAnalytics." + n for n in (
    "track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
    "profile_unset", "profile_delete", "item_set", "item_delete", "register_super_properties",
    "clear_super_properties", "flush", "close", "bind", "unbind", "track_by_id", "profile_set_by_id",
    "profile_set_once_by_id", "profile_increment_by_id", "profile_append_by_id", "profile_unset_by_id",
    "profile_delete_by_id")] + [
    "SensorsAnalytics", "SensorsAnalyticsIdentity", "DefaultConsumer", "BatchConsumer", "AsyncBatchConsumer",
    "DebugConsumer", "ConsoleConsumer", "LoggingConsumer", "ConcurrentLoggingConsumer"]


def test_reference_has_no_other_public_methods(reference_signatures):
    assert sorted(k for k in reference_signatures if k.startswith("SensorsAnalytics.")) == sorted(
        n for n in NAMES if n.startswith("SensorsAnalytics."))


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_reference(name, reference_signatures):
    obj = sensorsanalytics
    for part in name.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, type) and obj.__module__ == "sensorsanalytics" and sys.version_info < (3, 10):
        pytest.skip("the limited API gives native classes a signature only from Python 3.10")
    ours = _signature(obj)
    ref = reference_signatures[name]
    if ref and ref[0][0] == "self" and (not ours or ours[0][0] != "self"):
        ref = ref[1:]  # a class's signature leaves out self
    # A native method's self is positional-only; nobody passes self by keyword.
    ours = [p if p[0] != "self" else ["self", "-", None] for p in ours]
    # Ours: keyword-only options after the reference's parameters (the spool, on_error),
    # so that every call written for the reference still works.
    ours = [p for p in ours if not (p[1] == "KEYWORD_ONLY" and p[0] in OURS_EXTRA)]
    ref = [p if p[0] != "self" else ["self", "-", None] for p in ref]
    assert ours == ref
