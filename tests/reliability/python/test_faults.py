"""Faults through the loopback receiver, for BatchConsumer and AsyncBatchConsumer from
Python (the official SDK's API, no knobs of ours): 50% 503s; 429 with Retry-After; the
receiver down for 30 s then back; connection resets mid-request; responses slower than the
request timeout. Every record must arrive, or be reported: an exception to the caller
(which for BatchConsumer leaves the record buffered, to go with the next flush), or the
consumer's counters (stats(): failed = given up after the retries, dropped = refused by a
full queue), and for AsyncBatchConsumer a warning on the `sensorsanalytics` logger per batch
given up on.

Python's AsyncBatchConsumer has the reference's parameters only, so its retry budget is the
core's default (30 s): under a 30 s outage, the batches in flight when it began may be given
up on. Those must be exactly the records missing, as counted by stats()["failed"].
"""

import logging
import re
import threading
import time

import pytest

import sensorsanalytics as sa_mod
from rel import Receiver, Tally, emit_tally, seq_key, track_id_duplicates

PLANS = {
    "fail503": dict(args=["--fail-rate", "0.5", "--seed", "1"]),
    "throttle429": dict(args=["--fail-rate", "0.3", "--fail-status", "429", "--retry-after", "1", "--seed", "2"]),
    # Tracking goes on through the outage (2 s .. 32 s) and a little after it.
    "down30": dict(n=3000, spread=36.0, at=2.0, change=dict(down_ms=30000)),
    # Resets before the body is read, and requests read whole but never answered.
    "resets": dict(args=["--reset-rate", "0.3", "--drop-rate", "0.1", "--seed", "3"]),
    # 800 ms answers against a 300 ms request timeout for the first 4 s, then healthy.
    "slow": dict(args=["--delay-ms", "800"], timeout=300, spread=6.0, at=4.0, change=dict(delay_ms=0), dups=True),
}


class GiveUpLog(logging.Handler):
    """Adds up the "gave up on N records" warnings of the `sensorsanalytics` logger."""

    def __init__(self):
        logging.Handler.__init__(self)
        self.records = 0

    def emit(self, record):
        m = re.match(r"gave up on (\d+) records", record.getMessage())
        if m:
            self.records += int(m.group(1))


def make(kind, url, plan):
    timeout = plan.get("timeout", 5000)
    if kind == "batch":
        return sa_mod.BatchConsumer(url, 50, request_timeout=timeout)
    # A queue that holds the 30 s outage at this rate (83 records/s).
    return sa_mod.AsyncBatchConsumer(url, max_size=10000, request_timeout=timeout)


@pytest.mark.parametrize("kind", ["batch", "async"])
@pytest.mark.parametrize("fault", sorted(PLANS))
def test_fault(fault, kind, tmp_path):
    plan = PLANS[fault]
    n, spread = plan.get("n", 2000), plan.get("spread", 2.0)
    started = time.time()
    r = Receiver(tmp_path, *plan.get("args", []))
    log = GiveUpLog()
    logging.getLogger("sensorsanalytics").addHandler(log)
    try:
        consumer = make(kind, r.url, plan)
        sa = sa_mod.SensorsAnalytics(consumer)
        if "change" in plan:
            t = threading.Timer(plan["at"], lambda: r.control(**plan["change"]))
            t.start()
        errors, refused = 0, set()
        for i in range(n):
            wait = started + spread * i / n - time.time()
            if wait > 0:
                time.sleep(wait)
            try:
                sa.track("u%d" % i, "Reliability", {"seq": i, "pad": "reliability " * 8})
            except sa_mod.SensorsAnalyticsNetworkException:
                errors += 1
                if kind == "async":
                    refused.add(i)  # never queued: the caller was told
        if "change" in plan:
            t.join()
        # The rest: a BatchConsumer user retries flush until it succeeds (the failed batch
        # stays buffered); AsyncBatchConsumer's flush waits for the queue (bounded).
        deadline = time.time() + 90
        while True:
            try:
                sa.flush()
                break
            except sa_mod.SensorsAnalyticsNetworkException:
                errors += 1
                if kind == "async" or time.time() > deadline:
                    break
        try:
            sa.close()
        except sa_mod.SensorsAnalyticsNetworkException:
            errors += 1
        stats = consumer.stats()
        records = r.records()
    finally:
        r.stop()
        logging.getLogger("sensorsanalytics").removeHandler(log)

    t = Tally(records, range(n), seq_key)
    problems = []
    if kind == "async":
        reported = stats["failed"] + stats["dropped"]
        # Exact accounting: what is missing is what the counters say was given up or refused.
        given_up = len([s for s in t.lost if s not in refused])
        if stats["dropped"] != len(refused):
            problems.append("dropped=%d but %d refused" % (stats["dropped"], len(refused)))
        if given_up != stats["failed"]:
            problems.append("%d missing but failed=%d" % (given_up, stats["failed"]))
        if log.records != stats["failed"]:
            problems.append("failed=%d but the log told of %d" % (stats["failed"], log.records))
        if stats["sent"] + stats["failed"] + stats["dropped"] != n:
            problems.append("sent+failed+dropped=%d != %d" % (stats["sent"] + stats["failed"] + stats["dropped"], n))
        if t.lost and fault != "down30":
            problems.append("%d records did not arrive" % len(t.lost))
    else:
        # Records of the sends that failed (each an exception; they stayed buffered and went later).
        reported = stats["failed"]
        if t.lost:
            problems.append("%d records did not arrive (%d still buffered)" % (len(t.lost), stats["queue_depth"]))
    if t.unexpected:
        problems.append("%d unexpected records" % t.unexpected)
    dup_tid = track_id_duplicates(records)
    if t.duplicated and not plan.get("dups"):
        problems.append("%d duplicated" % t.duplicated)
    if dup_tid != t.duplicated:
        problems.append("%d duplicates, %d by _track_id" % (t.duplicated, dup_tid))
    note = "retried=%d failed=%d dropped=%d errors-to-caller=%d logged-give-ups=%d dup-by-_track_id=%d %s" % (
        stats["retried"], stats["failed"], stats["dropped"], errors, log.records, dup_tid, "; ".join(problems))
    ok = emit_tally("faults/%s/%s" % (fault, kind), started, t, reported=reported, passed=not problems, note=note)
    assert ok, note
