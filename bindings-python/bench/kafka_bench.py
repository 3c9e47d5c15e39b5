"""KafkaConsumer beside AsyncBatchConsumer, in one run (issue 17's benchmark).

    SA_KAFKA_TOOL=<target>/release/sa-kafka-tool SA_RECEIVER=<target>/release/sa-receiver \\
        bindings-python/.venv/bin/python bindings-python/bench/kafka_bench.py [--count N]

For each consumer, one thread calls a 6-property track() N times (200 000 by default), timing
each call, then flushes until everything is delivered:

- KafkaConsumer into the local broker (tests/kafka/start.sh, through sa-kafka-tool; a new
  topic of 3 partitions, our default settings);
- AsyncBatchConsumer to the loopback receiver (tests/receiver, which decodes and stores every
  record), its queue big enough for the whole burst.

Printed: the caller's cost per track() (mean, p50, p99, p99.9 of the wall time of each call),
the records per second from the first track() to the end of delivery, the CPU time per record
of this process (all its threads: librdkafka's or the senders' included), and what the broker
or the receiver got. The issue's target: Kafka's caller cost within 1.5x of AsyncBatch's.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import kafka_tool  # noqa: E402
import receiver as receiver_mod  # noqa: E402
import sensorsanalytics as sa  # noqa: E402

PROPS = {"product_id": "SKU-1001", "product_name": "Wireless Mouse", "price": 89.9, "quantity": 2,
         "is_member": True, "channel": "web"}


def burst(consumer, n):
    """Times each track() call, then the flush; returns the figures."""
    client = sa.SensorsAnalytics(consumer)
    track = client.track
    clock = time.perf_counter_ns
    lat = [0] * n
    users = ["user-%d" % (i % 1000) for i in range(1000)]
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i in range(n):
        c = clock()
        track(users[i % 1000], "ViewProduct", PROPS)
        lat[i] = clock() - c
    tracked = time.perf_counter()
    client.flush()
    done = time.perf_counter()
    cpu = time.process_time() - cpu0
    stats = consumer.stats()
    client.close()
    lat.sort()
    return {
        "mean": sum(lat) / n / 1000.0,
        "p50": lat[n // 2] / 1000.0,
        "p99": lat[n * 99 // 100] / 1000.0,
        "p999": lat[n * 999 // 1000] / 1000.0,
        "track_s": tracked - t0,
        "rate": n / (done - t0),
        "cpu_us": cpu / n * 1e6,
        "sent": stats["sent"],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200000, help="track() calls per consumer")
    ap.add_argument("--verify", action="store_true", help="also read the topic back and count it")
    args = ap.parse_args()
    n = args.count

    bootstrap = kafka_tool.broker()
    topic = kafka_tool.new_topic(bootstrap, "sa-bench")
    # Both queues hold the whole burst, as AsyncBatch's below: a refused record would be
    # measured as a (cheap) error, not as a call.
    kafka = burst(sa.KafkaConsumer(bootstrap, topic, max_size=n + 1000), n)
    if args.verify:
        kafka["read_back"] = len(kafka_tool.read(bootstrap, topic, n))

    if not receiver_mod.binary():
        sys.exit("no sa-receiver binary (SA_RECEIVER): cannot run the AsyncBatchConsumer side")
    recv = receiver_mod.Receiver()
    try:
        async_ = burst(sa.AsyncBatchConsumer(recv.url, max_size=n + 1000), n)
        async_["received"] = len(recv.records())
    finally:
        recv.close()

    print("6-property track(), one thread, %d calls each; the caller's wall time per call" % n)
    print("%-34s %10s %10s %10s %10s %14s %12s %16s" % (
        "", "mean µs", "p50 µs", "p99 µs", "p99.9 µs", "records/s", "CPU µs/rec", "delivered"))
    for title, r, got in (("KafkaConsumer -> local broker", kafka, "sent %d" % kafka["sent"]),
                          ("AsyncBatchConsumer -> receiver", async_, "received %d" % async_["received"])):
        print("%-34s %10.2f %10.2f %10.2f %10.2f %14.0f %12.2f %16s" % (
            title, r["mean"], r["p50"], r["p99"], r["p999"], r["rate"], r["cpu_us"], got))
    if "read_back" in kafka:
        print("read back from the topic: %d/%d" % (kafka["read_back"], n))
    print("Kafka / AsyncBatch caller cost: mean %.2fx, p50 %.2fx (target: at most 1.5x)" % (
        kafka["mean"] / async_["mean"], kafka["p50"] / async_["p50"]))
    print("load average: %.1f %.1f %.1f" % os.getloadavg())
    if kafka["sent"] < n or async_["received"] < n:
        sys.exit("not everything was delivered")


if __name__ == "__main__":
    main()
