"""Process life from Python: exit without close, fork, a prefork server (gunicorn --preload),
many processes sharing one ConcurrentLoggingConsumer file, LoggingConsumer rotation under
load, and memory under a dead receiver. Each scenario runs its own interpreter(s) (scripts
next to this file), so exit and fork behave as in a real program."""

import collections
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

import sensorsanalytics as sa_mod
from rel import HERE, Receiver, Tally, emit, emit_tally, run_script, seq_key

# The Python binding's exit hook waits this long at most (set_exit_flush_timeout default).
EXIT_BOUND = 3.0


def test_exit_without_close_delivers_100000(tmp_path):
    started = time.time()
    n = 100000
    r = Receiver(tmp_path)
    try:
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "exit_child.py"), r.url, str(n)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=120)
        exited = time.time()
        tracked_at = float(out.split()[0]) if out.strip() else exited
        drain = exited - tracked_at
        records = r.records()
    finally:
        r.stop()
    t = Tally(records, range(n), seq_key)
    problems = []
    if p.returncode != 0:
        problems.append("exit code %d: %s" % (p.returncode, err[-300:]))
    if t.lost or t.duplicated or t.unexpected:
        problems.append("lost=%d duplicated=%d unexpected=%d" % (len(t.lost), t.duplicated, t.unexpected))
    # Interpreter teardown after the hook is allowed half a second.
    if drain > EXIT_BOUND + 0.5:
        problems.append("exit took %.2f s, bound %.1f s" % (drain, EXIT_BOUND))
    note = "exit took %.2f s after the last track() (bound %.1f s) %s%s" % (
        drain, EXIT_BOUND, "; ".join(problems), (" stderr: " + err.strip()[-200:]) if err.strip() else "")
    assert emit_tally("exit/no-close/async", started, t, passed=not problems, note=note), note


@pytest.mark.parametrize("kind", ["batch", "async"])
def test_fork_parent_and_children_each_record_once(kind, tmp_path):
    started = time.time()
    r = Receiver(tmp_path)
    try:
        p, secs = run_script("fork_child.py", r.url, kind, timeout=60)
        records = r.records()
    finally:
        r.stop()
    expected = list(range(0, 120)) + list(range(1000, 4000))
    t = Tally(records, expected, seq_key)
    problems = []
    if p.returncode != 0:
        problems.append("script failed (%d): %s %s" % (p.returncode, p.stdout[-200:], p.stderr[-300:]))
    if t.lost or t.duplicated or t.unexpected:
        problems.append("lost=%d (e.g. %s) duplicated=%d unexpected=%d" % (
            len(t.lost), t.lost[:5], t.duplicated, t.unexpected))
    # Who sent what is visible too: every record keeps the pid of the process that tracked it.
    pids = {(r_["properties"]["who"], r_["properties"]["pid"]) for r_ in records}
    whos = collections.Counter(w for w, _ in pids)
    if any(c != 1 for c in whos.values()) or len(whos) != 4:
        problems.append("trackers: %s" % sorted(pids))
    note = "parent before fork 120, child (close) 1000, child (exit hook) 1000, parent after 1000 %s" % "; ".join(problems)
    assert emit_tally("fork/os.fork/%s" % kind, started, t, passed=not problems, note=note), note


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_gunicorn_preload_one_request_one_record(tmp_path):
    started = time.time()
    n, workers = 400, 4
    r = Receiver(tmp_path)
    g = None
    try:
        port = free_port()
        env = dict(os.environ, SA_URL=r.url, SA_PRELOAD_SEQ=str(n))
        g = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "-w", str(workers), "-b", "127.0.0.1:%d" % port,
             "--chdir", HERE, "--graceful-timeout", "20", "--log-level", "warning", "gunicorn_app:app"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        base = "http://127.0.0.1:%d/" % port
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or g.poll() is not None:
                    raise RuntimeError("gunicorn did not start: %s" % (g.stderr.read() if g.poll() is not None else ""))
                time.sleep(0.1)

        def get(i):
            with urllib.request.urlopen(base + "?seq=%d" % i, timeout=30) as resp:
                return resp.read() == b"ok"

        with ThreadPoolExecutor(8) as pool:
            answered = sum(pool.map(get, range(n)))
        # Graceful stop: workers finish and exit (their exit hook flushes), then the master.
        g.send_signal(signal.SIGTERM)
        _, err = g.communicate(timeout=60)
        r.wait_records(n + 1, 5)
        records = r.records()
    finally:
        if g is not None and g.poll() is None:
            g.kill()
        r.stop()
    t = Tally(records, range(n + 1), seq_key)
    pids = {x["properties"]["pid"] for x in records if x["properties"]["seq"] < n}
    problems = []
    if answered != n:
        problems.append("%d of %d requests answered" % (answered, n))
    if t.lost or t.duplicated or t.unexpected:
        problems.append("lost=%d (e.g. %s) duplicated=%d unexpected=%d" % (
            len(t.lost), t.lost[:5], t.duplicated, t.unexpected))
    if len(pids) < 2:
        problems.append("only %d worker pid(s) tracked" % len(pids))
    note = "%d requests over %d workers (%d pids tracked) + 1 record tracked by the master at preload; gunicorn exit %s %s" % (
        n, workers, len(pids), g.returncode, "; ".join(problems))
    assert emit_tally("fork/gunicorn-preload", started, t, passed=not problems, note=note), note


def read_lines(paths):
    """Every line of the files; lines that are not whole JSON objects are counted apart."""
    good, bad = [], 0
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("no newline")
                    good.append(json.loads(line))
                except ValueError:
                    bad += 1
    return good, bad


def test_eight_processes_share_one_concurrent_logging_file(tmp_path):
    started = time.time()
    procs, n = 8, 100000
    prefix = str(tmp_path / "events")
    # Six close their consumer, two just exit (the exit hook flushes the buffer).
    ps = [subprocess.Popen([sys.executable, os.path.join(HERE, "files_writer.py"), prefix, str(k), str(n),
                            "close" if k < 6 else "exit"], stderr=subprocess.PIPE, text=True)
          for k in range(procs)]
    errs = [p.communicate(timeout=300)[1] for p in ps]
    files = sorted(glob.glob(prefix + ".*"))
    lines, bad = read_lines(files)
    key = lambda r: (r["properties"]["p"], r["properties"]["seq"])
    t = Tally(lines, [(k, i) for k in range(procs) for i in range(n)], key)
    problems = []
    codes = [p.returncode for p in ps]
    if any(codes):
        problems.append("exit codes %s: %s" % (codes, [e[-200:] for e in errs if e]))
    if bad:
        problems.append("%d lines not whole JSON" % bad)
    if t.lost or t.duplicated or t.unexpected:
        problems.append("lost=%d duplicated=%d unexpected=%d" % (len(t.lost), t.duplicated, t.unexpected))
    # Runs of lines from one process: more runs than processes shows the writes interleaved.
    runs = sum(1 for a, b in zip([None] + lines, lines) if a is None or a["properties"]["p"] != b["properties"]["p"])
    if runs <= procs:
        problems.append("only %d runs: the processes did not overlap, so this proved nothing" % runs)
    note = "%d processes x %d records into %s (%d bytes), %d runs of lines from one process, %d bad lines %s" % (
        procs, n, ",".join(os.path.basename(f) for f in files), sum(os.path.getsize(f) for f in files), runs, bad,
        "; ".join(problems))
    assert emit_tally("files/concurrent-logging/8x100000", started, t, passed=not problems, note=note), note


def test_logging_consumer_rotation_under_load_loses_no_line(tmp_path):
    started = time.time()
    threads, n, spread = 4, 50000, 3.5
    prefix = str(tmp_path / "rotating.log")
    # when='S': a new file every second, so the run spans several rotations while 4 threads write.
    sa = sa_mod.SensorsAnalytics(sa_mod.LoggingConsumer(prefix, 0, "S"))
    errors = []

    def writer(k):
        t0 = time.time()
        try:
            for i in range(n):
                if i % 1000 == 0:
                    wait = t0 + spread * i / n - time.time()
                    if wait > 0:
                        time.sleep(wait)
                sa.track("u%d" % i, "Rotate", {"t": k, "seq": i})
        except Exception as e:  # noqa: BLE001 - reported in the row
            errors.append(repr(e))

    ts = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    sa.close()
    files = sorted(glob.glob(prefix + "*"))
    lines, bad = read_lines(files)
    key = lambda r: (r["properties"]["t"], r["properties"]["seq"])
    t = Tally(lines, [(k, i) for k in range(threads) for i in range(n)], key)
    problems = []
    if errors:
        problems.append("errors: %s" % errors[:3])
    if bad:
        problems.append("%d lines not whole JSON" % bad)
    if len(files) < 3:
        problems.append("only %d files: rotation did not happen" % len(files))
    if t.lost or t.duplicated or t.unexpected:
        problems.append("lost=%d duplicated=%d unexpected=%d" % (len(t.lost), t.duplicated, t.unexpected))
    note = "%d threads x %d records over %.1f s, when='S': %d files %s" % (
        threads, n, spread, len(files), "; ".join(problems))
    assert emit_tally("files/logging-rotation/4x50000", started, t, passed=not problems, note=note), note


@pytest.mark.parametrize("max_size", [1000, 100000])
def test_memory_dead_receiver(max_size):
    started = time.time()
    p, secs = run_script("memory_child.py", max_size, timeout=120)
    try:
        m = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        m = None
    calls = 1000000
    if m is None:
        note = "child failed: %s" % p.stderr[-300:]
        assert emit("memory/dead-receiver/max_size=%d" % max_size, started, passed=False, note=note), note
    # The queue and the batches in flight (2 requests of 100, one batch being gathered).
    slots = max_size + 300
    bound = slots * (m["record_len"] + 48) // 1024
    constant = 8 * 1024
    growth = m["peak_kib"] - m["base_kib"]
    reported = m["dropped"] + m["queued"] + m["failed"]
    problems = []
    if growth > bound + constant:
        problems.append("grew %d KiB > %d + %d" % (growth, bound, constant))
    if m["refused"] != m["dropped"] or m["dropped"] + m["queued"] + m["failed"] != calls:
        problems.append("refused=%d dropped=%d queued=%d failed=%d" % (m["refused"], m["dropped"], m["queued"], m["failed"]))
    note = ("peak RSS %d KiB, at start %d KiB, growth %d KiB; queue bound %d slots x %d B = %d KiB (+%d KiB allowed); "
            "%d calls in %.1f s; refused=%d still queued=%d (reported by the exit hook's warning) %s") % (
        m["peak_kib"], m["base_kib"], growth, slots, m["record_len"] + 48, bound, constant, calls, m["secs"],
        m["refused"], m["queued"], "; ".join(problems))
    ok = emit("memory/dead-receiver/max_size=%d" % max_size, started, sent=calls, received=0, lost=calls,
              duplicated=0, reported=reported, passed=not problems, note=note)
    assert ok, note
