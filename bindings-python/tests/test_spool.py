"""The spool (``spool_dir``, issue 12) as a Python user meets it: real processes, a real
receiver, real files. Every test ends by counting records received against records handed
over: nothing lost (a record may arrive twice only with the same ``_track_id``)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import receiver as receiver_mod
import sensorsanalytics as sa

receiver_mod.skip_module_unless_built()


def wait_for(predicate, timeout=20.0):
    return receiver_mod.wait_for(predicate, timeout, 0.05)


def seqs(receiver):
    return [r["properties"]["seq"] for r in receiver.records()]


def assert_none_lost(receiver, expected, label):
    """Every seq in `expected` arrived; duplicates only with the same _track_id."""
    records = receiver.records()
    got = {}
    for r in records:
        got.setdefault(r["properties"]["seq"], set()).add(r["_track_id"])
    lost = [s for s in expected if s not in got]
    dup_ids = [s for s, ids in got.items() if len(ids) > 1]
    print("%s: %d handed over, %d received, %d lost, %d duplicated" % (
        label, len(expected), len(records), len(lost), len(records) - len(got)))
    assert not lost, "lost %d, e.g. %s" % (len(lost), lost[:10])
    assert not dup_ids, "a record arrived twice with different _track_ids"


def wait_up(receiver):
    assert wait_for(lambda: _up(receiver)), "the receiver did not come back"


def _up(receiver):
    try:
        receiver.records()
        return True
    except OSError:
        return False


CHILD_PRELUDE = textwrap.dedent("""
    import os, sys, time, signal, resource
    import sensorsanalytics as sa
    url, spool = sys.argv[1], sys.argv[2]
""")


def run_child(code, *args, timeout=60):
    out = subprocess.run([sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(code)] + [str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    return out.stdout.decode()


def test_down_then_back_in_one_process(receiver, tmp_path):
    consumer = sa.AsyncBatchConsumer(receiver.url, 0.1, spool_dir=str(tmp_path))
    client = sa.SensorsAnalytics(consumer)
    receiver.control(down_ms=2000)
    for i in range(3000):
        client.track("u%d" % (i % 7), "ViewProduct", {"seq": i})
    started = time.time()
    client.flush()
    assert time.time() - started < 3, "flush waited for a down receiver"
    wait_up(receiver)
    assert wait_for(lambda: len(receiver.records()) >= 3000)
    client.close()
    stats = consumer.stats()
    assert stats["spooled"] == 3000 and stats["sent"] >= 3000
    assert_none_lost(receiver, range(3000), "python spool down-then-back")
    assert not list(tmp_path.glob("*.saspool"))


def test_what_a_process_left_is_sent_by_the_next(receiver, tmp_path):
    receiver.control(down_ms=4000)
    started = time.time()
    run_child("""
        c = sa.SensorsAnalytics(sa.BatchConsumer(url, 50, 2000, spool_dir=spool))
        for i in range(3000):
            c.track("u1", "ViewProduct", {"seq": i})
        c.close()
    """, receiver.url, tmp_path)
    assert time.time() - started < 3.5, "BatchConsumer calls waited for a down receiver"
    assert list(tmp_path.glob("*.saspool"))
    wait_up(receiver)
    out = run_child("""
        consumer = sa.BatchConsumer(url, 50, 2000, spool_dir=spool)
        consumer.close()
        print(consumer.stats()["replayed"])
    """, receiver.url, tmp_path)
    assert int(out) == 3000
    assert_none_lost(receiver, range(3000), "python spool restart")


def test_sigkill_in_the_middle_of_a_burst_then_a_restart(receiver, tmp_path):
    receiver.control(down_ms=3000)
    child = subprocess.Popen([sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent("""
        c = sa.SensorsAnalytics(sa.AsyncBatchConsumer(url, spool_dir=spool))
        i = 0
        while True:
            c.track("u%d" % (i % 13), "ViewProduct", {"seq": i})
            i += 1
            if i % 500 == 0:
                print(i, flush=True)
                time.sleep(0.02)  # a steady burst, ~25 000 records a second
    """), receiver.url, str(tmp_path)], stdout=subprocess.PIPE)
    handed = 0
    started = time.time()
    while time.time() - started < 1.5:
        handed = int(child.stdout.readline())
    # Everything reported was handed over before this point; the spool's promise is that a
    # SIGKILL loses at most the last 50 ms.
    time.sleep(0.06)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert handed > 1000
    wait_up(receiver)
    run_child("sa.AsyncBatchConsumer(url, spool_dir=spool).close()", receiver.url, tmp_path)
    assert_none_lost(receiver, range(handed), "python spool SIGKILL")


def test_four_processes_share_one_spool_dir(receiver, tmp_path):
    receiver.control(down_ms=1500)
    code = """
        k = int(sys.argv[3])
        c = sa.SensorsAnalytics(sa.AsyncBatchConsumer(url, 0.2, spool_dir=spool))
        for i in range(2000):
            c.track("p%d" % k, "ViewProduct", {"seq": k * 2000 + i})
            if i % 400 == 0:
                time.sleep(0.1)
        c.close()
    """
    procs = [subprocess.Popen([sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(code), receiver.url,
                               str(tmp_path), str(k)]) for k in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    wait_up(receiver)
    # What the four left (each exited while the receiver was down or soon after) is sent by
    # the next process that opens the directory.
    run_child("sa.AsyncBatchConsumer(url, spool_dir=spool).close()", receiver.url, tmp_path)
    assert_none_lost(receiver, range(8000), "python spool 4 processes")
    assert not list(tmp_path.glob("*.saspool"))


@pytest.mark.parametrize("spooled", [False, True])
def test_a_half_failing_receiver_gets_everything_within_the_close_bound(receiver, tmp_path, spooled):
    # The receiver: about half the requests fail (503s, dropped connections, 429s
    # with Retry-After: 1), and the consumer.
    receiver.control(statuses=[200] * 40 + [429] * 3, retry_after=1, fail_rate=0.35, fail_status=500,
                     drop_rate=0.1, reset_rate=0.05, seed=3)
    spool = {"spool_dir": str(tmp_path)} if spooled else {}
    consumer = sa.AsyncBatchConsumer(receiver.url, flush_max_time=1, flush_size=50, max_batch_size=50,
                                     max_size=20000, request_timeout=2000, **spool)
    client = sa.SensorsAnalytics(consumer)
    for i in range(10000):
        client.track("u%d" % (i % 50), "ViewProduct", {"seq": i})
    started = time.time()
    client.close()
    took = time.time() - started
    print("close took %.1f s, stats %s" % (took, consumer.stats()))
    assert_none_lost(receiver, range(10000), "python %s 50%% failing" % ("spool" if spooled else "no spool"))
    assert took < 10.5


def test_a_torn_tail_is_skipped_counted_and_the_rest_delivered(receiver, tmp_path):
    receiver.control(down_ms=3000)
    run_child("""
        c = sa.SensorsAnalytics(sa.AsyncBatchConsumer(url, spool_dir=spool))
        for i in range(500):
            c.track("u1", "ViewProduct", {"seq": i})
        c.close()
    """, receiver.url, tmp_path)
    last = sorted(tmp_path.glob("*.saspool"))[-1]
    with open(str(last), "ab") as f:
        f.write(b"\x1e\xff\x00\x00\x00\x01\x02")  # half a frame: a crash mid-write
    wait_up(receiver)
    out = run_child("""
        consumer = sa.AsyncBatchConsumer(url, spool_dir=spool)
        consumer.close()
        print(consumer.stats()["corrupt"])
    """, receiver.url, tmp_path)
    assert int(out) == 1
    assert_none_lost(receiver, range(500), "python spool torn tail")


def test_a_full_spool_refuses_records_with_the_network_error(receiver, tmp_path):
    receiver.control(down_ms=60000)
    consumer = sa.AsyncBatchConsumer(receiver.url, spool_dir=str(tmp_path), spool_max_bytes=64 * 1024)
    client = sa.SensorsAnalytics(consumer)
    refused = 0
    for i in range(3000):
        try:
            client.track("u1", "ViewProduct", {"seq": i})
        except sa.SensorsAnalyticsNetworkException as e:
            assert "spool is full" in str(e)
            refused += 1
        if i % 100 == 0:
            time.sleep(0.01)
    consumer.close()
    stats = consumer.stats()
    assert refused > 0 and stats["dropped"] == refused
    assert stats["spooled"] == 3000 - refused


def test_an_unusable_spool_dir_is_an_error_at_construction(tmp_path):
    with pytest.raises(OSError, match="spool_dir"):
        sa.AsyncBatchConsumer("http://127.0.0.1:9/sa", spool_dir="/proc/no-spool-here")
    plain_file = tmp_path / "file"
    plain_file.write_text("x")
    with pytest.raises(OSError, match="spool_dir"):
        sa.BatchConsumer("http://127.0.0.1:9/sa", spool_dir=str(plain_file))
    with pytest.raises(ValueError, match="negative"):
        sa.AsyncBatchConsumer("http://127.0.0.1:9/sa", spool_dir=str(tmp_path), spool_max_bytes=-1)


def test_disk_full_writes_are_retried_on_a_new_segment(receiver, tmp_path):
    run_child("""
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200 * 1024, resource.RLIM_INFINITY))
        c = sa.SensorsAnalytics(sa.AsyncBatchConsumer(url, spool_dir=spool))
        for i in range(20000):
            c.track("u1", "ViewProduct", {"seq": i, "pad": "x" * 100})
        c.close()
    """, receiver.url, tmp_path)
    assert_none_lost(receiver, range(20000), "python spool RLIMIT_FSIZE")


def test_fork_of_a_process_with_a_spool(receiver, tmp_path):
    consumer = sa.AsyncBatchConsumer(receiver.url, 0.1, spool_dir=str(tmp_path))
    client = sa.SensorsAnalytics(consumer)
    for i in range(100):
        client.track("parent", "ViewProduct", {"seq": i})
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for i in range(100, 200):
                client.track("child", "ViewProduct", {"seq": i})
            client.close()
        except BaseException:  # noqa: BLE001 - report through the exit code
            code = 1
        os._exit(code)
    for i in range(200, 300):
        client.track("parent", "ViewProduct", {"seq": i})
    _, status = os.waitpid(pid, 0)
    assert status == 0
    client.close()
    assert_none_lost(receiver, range(300), "python spool fork")
