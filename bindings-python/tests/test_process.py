"""Process life: fork (gunicorn, uWSGI, multiprocessing) and interpreter exit."""

import glob
import json
import os
import subprocess
import sys
import textwrap

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
