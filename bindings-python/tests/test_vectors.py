"""The shared vectors (tests/vectors/*.json) through the module: once with a consumer written
in Python, once with our ConcurrentLoggingConsumer writing a real file."""

import glob
import os

import pytest

import sensorsanalytics
import vector_runner

CASES = vector_runner.load_cases()


def test_vectors_exist():
    assert len(CASES) > 100, "no vectors found in %s" % vector_runner.VECTORS_DIR


@pytest.mark.parametrize("group,case", CASES, ids=["%s/%s" % (g, c["name"]) for g, c in CASES])
def test_vector_python_consumer(group, case):
    run = vector_runner.run_case(sensorsanalytics, case)
    assert vector_runner.check_case(run, case) is None, vector_runner.check_case(run, case)


@pytest.mark.parametrize("group,case", CASES, ids=["%s/%s" % (g, c["name"]) for g, c in CASES])
def test_vector_file_consumer(group, case, tmp_path):
    prefix = str(tmp_path / "events")
    consumer = sensorsanalytics.ConcurrentLoggingConsumer(prefix)

    def read():
        lines = []
        for path in sorted(glob.glob(prefix + ".*")):
            with open(path, encoding="utf-8", newline="") as f:
                lines.extend(l for l in f.read().split("\n") if l)
        return lines

    run = vector_runner.run_case(sensorsanalytics, case, consumer=(consumer, read))
    assert vector_runner.check_case(run, case) is None, vector_runner.check_case(run, case)
