"""What the Python reliability scenarios share: the loopback receiver (the sa-receiver
binary, driven through its /_control endpoint), counting records, and writing each
scenario's figures as one JSON line to $RELIABILITY_RESULTS (the format of the Rust
scenarios' lines; run.sh prints them all as one table).
"""

import collections
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def receiver_binary():
    exe = os.environ.get("SA_RECEIVER_BIN")
    if exe:
        return exe
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(HERE, "..", "..", "..", "target")
    for profile in ("release", "debug"):
        p = os.path.join(target, profile, "sa-receiver")
        if os.path.exists(p):
            return p
    raise RuntimeError("sa-receiver not built: set SA_RECEIVER_BIN or CARGO_TARGET_DIR")


class Receiver(object):
    """The sa-receiver binary on 127.0.0.1, an ephemeral port; records go to a JSONL file.
    Its stdin is a pipe: if this process dies, the receiver exits too."""

    def __init__(self, tmpdir, *args):
        self.out = os.path.join(str(tmpdir), "records-%s.jsonl" % uuid.uuid4().hex[:8])
        self.proc = subprocess.Popen(
            [receiver_binary(), "--port", "0", "--out", self.out] + [str(a) for a in args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            raise RuntimeError("sa-receiver said %r" % line)
        self.url = line.split()[1]
        self.base = self.url.split("/sa?")[0]

    def _call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode() or "null")

    def control(self, **settings):
        """POST /_control: delay_ms, fail_rate, down_ms, ... (see tests/receiver/README.md)."""
        return self._call("/_control", settings)

    def stats(self):
        return self._call("/_stats")

    def records(self):
        out = []
        with open(self.out, encoding="utf-8") as f:
            for line in f:
                out.append(json.loads(line))
        return out

    def wait_records(self, n, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.stats()["records"] >= n:
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc.poll() is None:
            try:
                urllib.request.urlopen(urllib.request.Request(self.base + "/_shutdown", data=b""), timeout=5).read()
            except Exception:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Tally(object):
    """Records (or lines) counted against the keys that were sent."""

    def __init__(self, records, expected_keys, key):
        counts = collections.Counter()
        self.unexpected = 0
        expected = set(expected_keys)
        for r in records:
            k = key(r)
            if k in expected:
                counts[k] += 1
            else:
                self.unexpected += 1
        self.sent = len(expected)
        self.received = len(records)
        self.unique = len(counts)
        self.lost = sorted(expected - set(counts))
        self.duplicated = sum(c - 1 for c in counts.values())


def seq_key(r):
    try:
        return r["properties"]["seq"]
    except (KeyError, TypeError):
        return None


def track_id_duplicates(records):
    seen = set()
    dups = 0
    for r in records:
        k = (r.get("_track_id"), seq_key(r))
        if k in seen:
            dups += 1
        seen.add(k)
    return dups


def emit(scenario, started, sent=None, received=None, lost=None, duplicated=None, reported=None,
         passed=False, note="", xfail=None, lang="python"):
    """Writes one row of the table; returns `passed` so a test can assert on it."""
    status = "pass" if passed else ("xfail" if xfail else "fail")
    if xfail and not passed:
        note = "KNOWN BUG: %s; %s" % (xfail, note)
    row = {"lang": lang, "scenario": scenario, "sent": sent, "received": received, "lost": lost,
           "duplicated": duplicated, "reported": reported, "status": status,
           "secs": round(time.time() - started, 1), "note": note.strip(),
           "runner": os.environ.get("RELIABILITY_RUNNER", "")}
    line = json.dumps(row, ensure_ascii=False)
    sys.stderr.write("RESULT %s\n" % line)
    path = os.environ.get("RELIABILITY_RESULTS")
    if path:
        # One O_APPEND write of one short line: rows of parallel scenarios never mix.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    return passed


def emit_tally(scenario, started, t, reported=0, passed=False, note="", xfail=None):
    return emit(scenario, started, sent=t.sent, received=t.received, lost=len(t.lost), duplicated=t.duplicated,
                reported=reported, passed=passed, note=note, xfail=xfail)


def python():
    return sys.executable


def run_script(name, *args, env=None, timeout=120):
    """Runs python/<name> in a fresh interpreter; returns (CompletedProcess, seconds)."""
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.time()
    p = subprocess.run([python(), os.path.join(HERE, name)] + [str(a) for a in args], env=e,
                       capture_output=True, text=True, timeout=timeout)
    return p, time.time() - t0
