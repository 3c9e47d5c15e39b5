"""Process life: fork (gunicorn, uWSGI, multiprocessing) and interpreter exit."""

import glob
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import sensorsanalytics as sa

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _lines(pattern):
    out = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            out.extend(json.loads(l)["distinct_id"] for l in f.read().split("\n") if l)
    return out


@pytest.mark.parametrize("make", [
    lambda d: sa.LoggingConsumer(os.path.join(d, "log")),
    lambda d: sa.ConcurrentLoggingConsumer(os.path.join(d, "log")),
], ids=["LoggingConsumer", "ConcurrentLoggingConsumer"])
def test_fork_child_sends_its_own_records_once(tmp_path, make):
    client = sa.SensorsAnalytics(make(str(tmp_path)))
    client.track("parent-before", "E")  # still buffered when the process forks
    pid = os.fork()
    if pid == 0:  # the child: track, flush, leave without running the parent's exit hooks
        code = 0
        try:
            client.track("child", "E")
            client.flush()
        except BaseException:  # noqa: BLE001 - report through the exit status
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    client.track("parent-after", "E")
    client.close()
    got = _lines(str(tmp_path / "log*"))
    assert sorted(got) == ["child", "parent-after", "parent-before"], got


def _wait(pid, timeout):
    """The child's exit status, or None (and the child killed) if it has not ended in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


FORKS = 100


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork() with threads running
@pytest.mark.parametrize("make", [
    lambda d, n: sa.LoggingConsumer(os.path.join(d, n)),
    lambda d, n: sa.ConcurrentLoggingConsumer(os.path.join(d, n), 100),
], ids=["LoggingConsumer", "ConcurrentLoggingConsumer"])
def test_fork_while_another_thread_flushes_or_closes(tmp_path, make):
    # gunicorn with threads and --preload, Celery's prefork pool with a threaded parent: a fork
    # can come while another thread is inside flush() or close(), holding the consumer's lock
    # with the GIL released. Every child must still track and close.
    client = sa.SensorsAnalytics(make(str(tmp_path), "log"))
    stop = threading.Event()
    errors = []

    def flusher():
        pad = "x" * 300
        n = 0
        try:
            while not stop.is_set():
                for i in range(200):
                    client.track("parent", "E", {"pad": pad, "i": i})
                client.flush()
                other = sa.SensorsAnalytics(make(str(tmp_path), "other-%d" % (n % 4)))
                for i in range(50):
                    other.track("other", "E", {"pad": pad})
                other.close()
                n += 1
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    thread = threading.Thread(target=flusher)
    thread.start()
    failures = []
    try:
        for i in range(FORKS):
            time.sleep(0.001 * (i % 5))  # land at different points of the flusher's loop
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    client.track("child-%d" % i, "E")
                    client.close()
                except BaseException:  # noqa: BLE001 - report through the exit status
                    code = 1
                os._exit(code)
            status = _wait(pid, 20)
            if status != 0:
                failures.append((i, "hung (killed after 20 s)" if status is None else "exit %d" % status))
                if len(failures) == 3:
                    break  # enough to tell; hung children would take 20 s each
    finally:
        stop.set()
        thread.join()
    client.close()
    assert not errors, errors
    assert not failures, "children failed (the test stops at 3): %s" % failures
    children = sorted(d for d in _lines(str(tmp_path / "log*")) if d.startswith("child-"))
    assert children == sorted("child-%d" % i for i in range(FORKS))


def _run(script, tmp_path, timeout=60):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.run([sys.executable, str(path)], cwd=str(tmp_path), timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def test_exit_flushes_open_clients(tmp_path):
    out = _run("""
        import sensorsanalytics as sa
        a = sa.SensorsAnalytics(sa.LoggingConsumer("plain.log"))
        b = sa.SensorsAnalytics(sa.ConcurrentLoggingConsumer("concurrent"))
        flushed = []
        class Mine(object):
            def send(self, msg): pass
            def flush(self): print("user consumer flushed")
            def close(self): pass
        c = sa.SensorsAnalytics(Mine())
        for i in range(5):
            a.track("u%d" % i, "E")
            b.track("u%d" % i, "E")
        # no flush, no close: the exit hook drains them
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert len(_lines(str(tmp_path / "plain.log"))) == 5
    assert len(_lines(str(tmp_path / "concurrent.*"))) == 5
    assert b"user consumer flushed" in out.stdout


def test_exit_skips_closed_clients(tmp_path):
    out = _run("""
        import sensorsanalytics as sa
        class Mine(object):
            def send(self, msg): pass
            def flush(self): print("flushed after close!")
            def close(self): pass
        c = sa.SensorsAnalytics(Mine())
        c.close()
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert b"flushed after close" not in out.stdout
