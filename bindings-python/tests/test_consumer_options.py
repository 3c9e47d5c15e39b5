"""The shared consumer-option vectors (tests/vectors/options/consumer_options.json): the same
out-of-range option gives core's result here. Each case is read back through core's
normaliser (a test-only export of the native module), and each refused value is also given to
the public constructor, which must raise the same class and message."""

import json
import math
import os

import pytest

import sensorsanalytics
from sensorsanalytics import _native

FILE = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors", "options", "consumer_options.json")
with open(FILE) as f:
    CASES = json.load(f)["cases"]

# Constructors raise Python's own classes for bad arguments (as the reference's do).
CLASSES = {"IllegalData": ValueError}


def value(v):
    return float(v) if isinstance(v, str) else v


def construct(case, tmp_path, v):
    consumer = getattr(sensorsanalytics, case["consumer"])
    target = str(tmp_path / "log") if case["consumer"].endswith("LoggingConsumer") else "http://127.0.0.1:9/sa"
    return consumer(target, **{case["option"]: v})


def test_vectors_exist():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_consumer_option(case, tmp_path):
    v = value(case["value"])
    expect = case["expect"]
    if "error" in expect:
        for call in (lambda: _native._normalised_consumer_option(case["consumer"], case["option"], v),
                     lambda: construct(case, tmp_path, v)):
            with pytest.raises(CLASSES[expect["error"]]) as e:
                call()
            assert str(e.value) == expect["message"]
    else:
        got = json.loads(_native._normalised_consumer_option(case["consumer"], case["option"], v))
        assert got == expect["settings"]
        assert not (isinstance(v, float) and math.isnan(v))
