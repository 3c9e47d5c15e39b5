"""The loopback Sensors receiver (tests/receiver, binary `sa-receiver`) for the HTTP tests.

Only 127.0.0.1: the receiver refuses other addresses. Found through SA_RECEIVER, else in
$CARGO_TARGET_DIR (or the repo's target/) under release/ or debug/.
"""

import json
import os
import subprocess
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def binary():
    if os.environ.get("SA_RECEIVER"):
        return os.environ["SA_RECEIVER"]
    for target in (os.environ.get("CARGO_TARGET_DIR"), os.path.join(ROOT, "target")):
        for profile in ("release", "debug"):
            if target and os.path.exists(os.path.join(target, profile, "sa-receiver")):
                return os.path.join(target, profile, "sa-receiver")
    return None


class Receiver(object):
    def __init__(self, *args):
        self.proc = subprocess.Popen([binary(), "--port", "0", "--stdin-eof", "exit"] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode().split()
        assert first and first[0] == "LISTENING", first
        self.url = first[1]
        self.base = self.url.split("/sa?")[0]

    def _get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.loads(r.read())

    def records(self):
        return self._get("/_records")

    def requests(self):
        return self._get("/_requests")

    def control(self, **settings):
        req = urllib.request.Request(self.base + "/_control", data=json.dumps(settings).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - make sure it is gone
            self.proc.kill()
            self.proc.wait()


def skip_module_unless_built():
    """For a test module that needs the receiver: skip it when the binary is missing, unless
    CI says it must be there (SA_REQUIRE_RECEIVER)."""
    import pytest
    if binary() is None:
        if os.environ.get("SA_REQUIRE_RECEIVER"):
            raise RuntimeError("sa-receiver is missing (SA_RECEIVER)")
        pytest.skip("no sa-receiver binary (cargo build -p sa-receiver)", allow_module_level=True)


def wait_for(predicate, timeout=10.0, step=0.02):
    """Polls `predicate` until it holds or `timeout` seconds pass; its last answer."""
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
