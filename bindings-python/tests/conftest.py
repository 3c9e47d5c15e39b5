import os
import sys

# vector_runner.py and the other helpers sit next to the tests.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

import receiver as receiver_mod  # noqa: E402


@pytest.fixture
def receiver():
    """A loopback receiver of the test's own (tests/receiver), stopped after the test."""
    r = receiver_mod.Receiver()
    yield r
    r.close()
