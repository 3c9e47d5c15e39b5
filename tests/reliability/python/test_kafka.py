"""Issue 17's scenario from Python: KafkaConsumer with spool_dir, the broker stopped in the
middle of a 100 000-record burst, kept down for 20 s, then restarted. What librdkafka gave up
on (message.timeout.ms, 5 s here) went to the spool and was produced again; every record
handed over must be read back from the topic (with a consumer group, through sa-kafka-tool):
0 lost, duplicates only with the same _track_id.

The broker is one of this scenario's own (tests/kafka/start.sh with its own SA_KAFKA_HOME,
data kept across the restart), so no other test's broker is stopped. Needs java and mvn and
SA_KAFKA_TOOL (run.sh builds it); without them the row fails, saying why.
"""

import fcntl
import json
import os
import shutil
import subprocess
import threading
import time

import sensorsanalytics as sa_mod
from rel import Tally, emit, emit_tally, seq_key, track_id_duplicates

HERE = os.path.dirname(os.path.abspath(__file__))
KAFKA = os.path.normpath(os.path.join(HERE, "..", "..", "kafka"))
N = 100000
OUTAGE = 20.0


class OwnBroker(object):
    def __init__(self, name):
        shared = os.environ.get("SA_KAFKA_HOME") or "/tmp/sa-kafka-%d" % os.getuid()
        self.home = "%s-%s" % (shared, name)
        # One user of this broker at a time: the lock is held until close().
        self.lock = open(self.home + ".lock", "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.script("stop.sh")
        self.bootstrap = self.script("start.sh")

    def script(self, name, keep_data=False):
        env = dict(os.environ, SA_KAFKA_HOME=self.home, SA_KAFKA_KEEP_DATA="1" if keep_data else "0")
        r = subprocess.run(["bash", os.path.join(KAFKA, name)], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (name, r.stderr))
        return r.stdout.strip()

    def close(self):
        try:
            self.script("stop.sh")
        finally:
            self.lock.close()


def tool(*args, timeout=300):
    r = subprocess.run([os.environ["SA_KAFKA_TOOL"]] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("sa-kafka-tool %s: %s" % (args[0], r.stderr))
    return r.stdout


def test_kafka_broker_restart_mid_burst_with_spool(tmp_path):
    started = time.time()
    scenario = "kafka: broker down 20 s mid-burst, spool"
    missing = [t for t in ("java", "mvn") if shutil.which(t) is None]
    if missing or not os.path.exists(os.environ.get("SA_KAFKA_TOOL", "")):
        why = "%s not installed" % " and ".join(missing) if missing else "SA_KAFKA_TOOL not built"
        assert emit(scenario, started, passed=False, note="no broker: " + why)
    broker = OwnBroker("rel-restart")
    try:
        topic = "sa-rel-%d-%d" % (os.getpid(), time.time_ns())
        tool("create", broker.bootstrap, topic, 3)
        spool = tmp_path / "spool"
        given_up = []
        consumer = sa_mod.KafkaConsumer(broker.bootstrap, topic,
                                        settings={"message.timeout.ms": 5000, "reconnect.backoff.max.ms": 1000},
                                        on_error=lambda records, e: given_up.extend(records), spool_dir=spool)
        sa = sa_mod.SensorsAnalytics(consumer)
        for i in range(N // 2):
            sa.track("user-%d" % (i % 997), "Burst", {"seq": i})
        deadline = time.time() + 30
        while consumer.stats()["sent"] == 0 and time.time() < deadline:
            time.sleep(0.01)
        delivered_before = consumer.stats()["sent"]
        # The broker goes down while the second half is being tracked.
        stopper = threading.Thread(target=broker.script, args=("stop.sh",))
        stopper.start()
        down_at = time.time()
        for i in range(N // 2, N):
            sa.track("user-%d" % (i % 997), "Burst", {"seq": i})
        stopper.join()
        time.sleep(max(0.0, OUTAGE - (time.time() - down_at)))
        during = consumer.stats()
        broker.script("start.sh", keep_data=True)
        back_at = time.time()
        deadline = back_at + 120
        while True:
            sa.flush()
            if not list(spool.iterdir()):
                break
            assert time.time() < deadline, (consumer.stats(), list(spool.iterdir()))
            time.sleep(0.5)
        recovered = time.time() - back_at
        sa.close()
        stats = consumer.stats()
        read = [json.loads(json.loads(line)["value"]) for line in
                tool("read", broker.bootstrap, topic, N, 120).splitlines()]
        t = Tally(read, range(N), seq_key)
        same_ids = track_id_duplicates(read) == t.duplicated
        ok = (not t.lost and t.unexpected == 0 and same_ids and stats["failed"] == 0 and stats["dropped"] == 0
              and not given_up and during["spooled"] > 0)
        note = ("delivered before the stop %d; spooled %d; every record in the topic %.1f s after the restart; "
                "failed %d, dropped %d" % (delivered_before, stats["spooled"], recovered, stats["failed"],
                                           stats["dropped"]))
        assert emit_tally(scenario, started, t, reported=len(given_up), passed=ok, note=note), (note, t.lost[:5])
    finally:
        broker.close()
