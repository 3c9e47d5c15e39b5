"""The reader of the pipeline example: reads the topic the service writes (with kafka-python,
a plain Kafka client, as any consumer of the topic would) and turns it into a daily table of
events per user: one row per (day, user), a column per event, the starting point of a
behaviour analysis (funnels, retention).

    python examples/pipeline/reader.py BOOTSTRAP TOPIC [--expect N] [--timeout S] [--csv PATH]

Reads from the beginning with a consumer group of its own until N records came (or nothing
came for a few seconds), and prints the table. Profiles and items are counted but not rows:
the table is about behaviour. The day is the record's `time` in local time, as Sensors
Analytics' own daily tables.
"""

import argparse
import collections
import csv
import datetime
import json
import sys
import time
import uuid

from kafka import KafkaConsumer


def read(bootstrap, topic, expect, timeout):
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="pipeline-reader-%s" % uuid.uuid4(),
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=3000)
    records = []
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and (expect is None or len(records) < expect):
            got = 0
            for message in consumer:
                records.append(json.loads(message.value.decode("utf-8")))
                got += 1
                if expect is not None and len(records) >= expect:
                    break
            if got == 0 and expect is None and records:
                break  # nothing more for consumer_timeout_ms
    finally:
        consumer.close()
    return records


def daily_table(records):
    """{(day, distinct_id): Counter(event -> n)} and the event names, in first-seen order."""
    table = collections.defaultdict(collections.Counter)
    events = []
    for r in records:
        if r.get("type") not in ("track", "track_signup"):
            continue
        day = datetime.datetime.fromtimestamp(r["time"] / 1000.0).date().isoformat()
        table[(day, r["distinct_id"])][r["event"]] += 1
        if r["event"] not in events:
            events.append(r["event"])
    return table, events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("--expect", type=int, default=None, help="records to wait for")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--csv", default=None, help="also write the table as CSV here")
    args = ap.parse_args()

    records = read(args.bootstrap, args.topic, args.expect, args.timeout)
    table, events = daily_table(records)
    kinds = collections.Counter(r.get("type") for r in records)
    header = ["day", "distinct_id"] + events + ["total"]
    rows = []
    for (day, user), counts in sorted(table.items()):
        rows.append([day, user] + [counts.get(e, 0) for e in events] + [sum(counts.values())])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    for row in [header] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))
    print("read %d records (%s); %d user-days" % (
        len(records), ", ".join("%s %d" % kv for kv in sorted(kinds.items())), len(rows)))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            csv.writer(f).writerows([header] + rows)
    if args.expect is not None and len(records) < args.expect:
        sys.exit("expected %d records, read %d" % (args.expect, len(records)))


if __name__ == "__main__":
    main()
