"""KafkaConsumer against a real local Kafka broker: what a consumer group reads back equals
what LoggingConsumer writes for the same records, each user's in order; errors are the SDK's
exception classes. Skipped only where there can be no broker (never with SA_REQUIRE_KAFKA=1)."""

import json
import threading
import time
from collections import defaultdict

import pytest

import kafka_tool
from sensorsanalytics import (KafkaConsumer, LoggingConsumer, SensorsAnalytics,
                              SensorsAnalyticsIllegalDataException, SensorsAnalyticsNetworkException)


class Tee(object):
    """A user consumer handing each record to both: the same line to Kafka and to the file."""

    def __init__(self, *consumers):
        self.consumers = consumers

    def send(self, msg):
        for c in self.consumers:
            c.send(msg)

    def flush(self):
        for c in self.consumers:
            c.flush()

    def close(self):
        for c in self.consumers:
            c.close()


@pytest.fixture(scope="module")
def bootstrap():
    return kafka_tool.broker()


def test_records_read_back_equal_logging_consumers_in_each_users_order(bootstrap, tmp_path):
    topic = kafka_tool.new_topic(bootstrap, "sa-py")
    kafka = KafkaConsumer(bootstrap, topic, settings={"linger.ms": 2, "client.id": "sa-python-test"})
    log_path = tmp_path / "sa.log"
    sa = SensorsAnalytics(Tee(kafka, LoggingConsumer(str(log_path))))
    users, per_user = 5, 200
    for seq in range(per_user):
        for u in range(users):
            sa.track("user-%d" % u, "ViewProduct", {"seq": seq, "note": u"中文 \"q\" \\"})
    sa.item_set("book", "b-1", {"price": 9.5})
    sa.profile_set("user-0", {"vip": True})
    sa.flush()
    total = users * per_user + 2
    stats = kafka.stats()
    assert (stats["sent"], stats["failed"], stats["dropped"], stats["queue_depth"]) == (total, 0, 0, 0)
    sa.close()

    written = log_path.read_text(encoding="utf-8").splitlines()
    assert len(written) == total
    read = kafka_tool.read(bootstrap, topic, total)
    assert len(read) == total
    by_key_written = defaultdict(list)
    for line in written:
        by_key_written[kafka_tool.key_of(line)].append(line)
    by_key_read = defaultdict(list)
    partition_of = {}
    for m in read:
        assert partition_of.setdefault(m["key"], m["partition"]) == m["partition"]
        by_key_read[m["key"]].append(m["value"])
    assert by_key_read == by_key_written
    assert json.loads(by_key_read["book:b-1"][0])["type"] == "item_set"


def test_unknown_topic_raises_network_exception_and_reports_the_record(bootstrap):
    given_up = []
    done = threading.Event()

    def on_error(records, exc):
        given_up.append((records, exc))
        done.set()

    kafka = KafkaConsumer(bootstrap, "sa-no-such-topic", settings={"topic.metadata.propagation.max.ms": 1000},
                          on_error=on_error)
    sa = SensorsAnalytics(kafka)
    sa.track("u", "Missing", {})
    with pytest.raises(SensorsAnalyticsNetworkException, match="topic 'sa-no-such-topic' does not exist"):
        sa.flush()
    assert done.wait(10)
    records, exc = given_up[0]
    assert json.loads(records[0])["event"] == "Missing"
    assert isinstance(exc, SensorsAnalyticsNetworkException)
    assert kafka.stats()["failed"] == 1
    sa.close()


def test_bad_arguments():
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="not a Kafka topic name"):
        KafkaConsumer("127.0.0.1:9", "has space")
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="bootstrap_servers"):
        KafkaConsumer("", "t")
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="bootstrap_servers argument"):
        KafkaConsumer("127.0.0.1:9", "t", settings={"bootstrap.servers": "x:1"})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="no.such.setting"):
        KafkaConsumer("127.0.0.1:9", "t", settings={"no.such.setting": 1})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="max_size"):
        KafkaConsumer("127.0.0.1:9", "t", max_size=-1)
    with pytest.raises(TypeError, match="linger.ms"):
        KafkaConsumer("127.0.0.1:9", "t", settings={"linger.ms": [1]})


def test_full_queue_and_closed_consumer_raise_network_exception():
    # Nothing listens on port 9: records stay queued until message.timeout.ms gives up on them.
    given_up = []
    kafka = KafkaConsumer("127.0.0.1:9", "t", max_size=1, settings={"message.timeout.ms": 500},
                          on_error=lambda records, exc: given_up.extend(records))
    kafka.send('{"distinct_id":"a"}')
    with pytest.raises(SensorsAnalyticsNetworkException, match="queue is full"):
        kafka.send('{"distinct_id":"b"}')
    with pytest.raises(SensorsAnalyticsNetworkException, match="1 records could not be delivered to Kafka"):
        kafka.close()
    with pytest.raises(SensorsAnalyticsNetworkException, match="closed"):
        kafka.send('{"distinct_id":"c"}')
    stats = kafka.stats()
    assert (stats["sent"], stats["failed"], stats["dropped"]) == (0, 1, 2)
    assert given_up == ['{"distinct_id":"a"}']


def test_broker_restart_mid_burst_loses_nothing_with_spool_dir(tmp_path):
    """The broker stopped in the middle of a burst and restarted: what librdkafka gave up on
    (message.timeout.ms, 3 s here) went to spool_dir and was produced again. Every record
    handed over is read back; a duplicate only ever repeats a record (same _track_id)."""
    broker = kafka_tool.OwnBroker("py-spool-restart")
    try:
        topic = kafka_tool.new_topic(broker.bootstrap, "sa-py-spool")
        spool = tmp_path / "spool"
        given_up = []
        kafka = KafkaConsumer(broker.bootstrap, topic,
                              settings={"message.timeout.ms": 3000, "reconnect.backoff.max.ms": 500},
                              on_error=lambda records, exc: given_up.extend(records), spool_dir=spool)
        sa = SensorsAnalytics(kafka)
        n = 10000
        for i in range(n // 2):
            sa.track("user-%d" % (i % 50), "Burst", {"seq": i})
        deadline = time.time() + 20
        while kafka.stats()["sent"] == 0 and time.time() < deadline:
            time.sleep(0.01)
        broker.stop()
        for i in range(n // 2, n):
            sa.track("user-%d" % (i % 50), "Burst", {"seq": i})
        time.sleep(5)  # past message.timeout.ms: librdkafka gives up, into the spool
        assert kafka.stats()["spooled"] > 0, kafka.stats()
        broker.restart()
        # Delivered once the spool is empty: a segment is deleted when all of it is produced.
        deadline = time.time() + 90
        while True:
            sa.flush()
            if not list(spool.iterdir()):
                break
            assert time.time() < deadline, (kafka.stats(), list(spool.iterdir()))
            time.sleep(0.5)
        sa.close()
        stats = kafka.stats()
        assert (stats["failed"], stats["dropped"], given_up) == (0, 0, []), stats

        read = kafka_tool.read(broker.bootstrap, topic, n, timeout=90)
        values = {m["value"] for m in read}
        seqs = {json.loads(v)["properties"]["seq"] for v in values}
        assert seqs == set(range(n)), "lost: %d" % (n - len(seqs))
        # One distinct text per seq: a message read twice repeats its record exactly (same
        # _track_id). (Not "n distinct _track_ids": they are random 31-bit numbers, and two of
        # 10 000 records share one about once in 40 runs.)
        assert len(values) == n, "a duplicate repeats its record exactly"
        for m in read:
            assert m["key"] == kafka_tool.key_of(m["value"])
    finally:
        broker.close()
