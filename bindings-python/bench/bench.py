"""Throughput of our module beside the reference SDK 1.11.0's, in one run.

    bindings-python/.venv/bin/python bindings-python/bench/bench.py [--quick]

Scenarios (a 6-property track() each): LoggingConsumer and ConcurrentLoggingConsumer into a
temporary directory; BatchConsumer (max_size 50) to the loopback receiver (tests/receiver,
which decodes and stores every record) and to a minimal sink (sink.py: answers 200 without
reading the body, as a static nginx location); AsyncBatchConsumer track() latency
(p50/p99/p99.9) while its threads send to the receiver.
The reference runs in its own interpreter (SA_REF_PYTHON, as the differential test), driven
by this same file with --impl ref. Needs the sa-receiver binary for the HTTP rows.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

PROPS = {"product_id": "SKU-1001", "product_name": "Wireless Mouse", "price": 89.9, "quantity": 2,
         "is_member": True, "channel": "web"}


def _measure(n, run):
    """Runs `run()`; returns events per wall second and CPU µs per event (this process, all
    its threads): the CPU figure stays meaningful when other jobs load the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return {"rate": n / (time.perf_counter() - wall), "cpu_us": (time.process_time() - cpu) / n * 1e6}


def bench_file(sa, consumer, n):
    client = sa.SensorsAnalytics(consumer)
    track = client.track
    for _ in range(min(n // 10, 5000)):  # warm up
        track("user-10086", "ViewProduct", PROPS)

    def run():
        for _ in range(n):
            track("user-10086", "ViewProduct", PROPS)
        client.close()
    return _measure(n, run)


def bench_batch(sa, url, n):
    client = sa.SensorsAnalytics(sa.BatchConsumer(url, max_size=50))
    track = client.track

    def run():
        for _ in range(n):
            track("user-10086", "ViewProduct", PROPS)
        client.close()
    return _measure(n, run)


def bench_async(sa, url, n):
    client = sa.SensorsAnalytics(sa.AsyncBatchConsumer(url, max_size=n + 1000))
    track = client.track
    clock = time.perf_counter_ns
    lat = [0] * n
    for i in range(n):
        t0 = clock()
        track("user-10086", "ViewProduct", PROPS)
        lat[i] = clock() - t0
    t = time.perf_counter()
    client.close()
    drain = time.perf_counter() - t
    lat.sort()
    return {"p50": lat[n // 2] / 1000.0, "p99": lat[n * 99 // 100] / 1000.0, "p999": lat[n * 999 // 1000] / 1000.0,
            "drain_s": drain}


def run_impl(impl, sizes, url, sink_url):
    if impl == "ours":
        import sensorsanalytics as sa
    else:
        import sensorsanalytics as sa
        from sensorsanalytics import sdk
        assert sdk.SDK_VERSION == "1.11.0", sdk.SDK_VERSION
    out = {}
    tmp = tempfile.mkdtemp(prefix="sa-bench-")
    try:
        out["logging"] = bench_file(sa, sa.LoggingConsumer(os.path.join(tmp, "a.log")), sizes["file"])
        out["concurrent"] = bench_file(sa, sa.ConcurrentLoggingConsumer(os.path.join(tmp, "b")), sizes["file"])
        if sink_url:
            out["batch_sink"] = bench_batch(sa, sink_url, sizes["batch"])
        if url:
            out["batch"] = bench_batch(sa, url, sizes["batch"])
            out["async"] = bench_async(sa, url, sizes["async"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def ref_python():
    for c in (os.environ.get("SA_REF_PYTHON"), os.path.join(HERE, "..", ".venv-ref", "bin", "python"),
              "/tmp/refvenv/bin/python"):
        if c and os.path.exists(c):
            return c
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=["ours", "ref"], default=None, help="(internal) run one side, print JSON")
    ap.add_argument("--url", default=None)
    ap.add_argument("--sink-url", default=None)
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--sizes", default=None)
    args = ap.parse_args()

    if args.impl:
        print(json.dumps(run_impl(args.impl, json.loads(args.sizes), args.url, args.sink_url)))
        return

    scale = 0.05 if args.quick else 1.0
    ours_sizes = {k: max(200, int(v * scale)) for k, v in {"file": 300000, "batch": 200000, "async": 100000}.items()}
    ref_sizes = {k: max(100, int(v * scale)) for k, v in {"file": 20000, "batch": 20000, "async": 20000}.items()}

    import receiver as receiver_mod
    recv = receiver_mod.Receiver() if receiver_mod.binary() else None
    sink = subprocess.Popen([sys.executable, os.path.join(HERE, "sink.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    sink_url = sink.stdout.readline().decode().split()[1]
    try:
        url = recv.url if recv else None
        results = {}
        for impl, sizes in (("ours", ours_sizes), ("ref", ref_sizes)):
            py = sys.executable if impl == "ours" else ref_python()
            if py is None:
                print("no reference interpreter (SA_REF_PYTHON): reference column left empty")
                continue
            if recv:
                recv.control(clear=True)
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
            proc = subprocess.run([py, __file__, "--impl", impl, "--sizes", json.dumps(sizes), "--sink-url", sink_url]
                                  + (["--url", url] if url else []),
                                  env=env, stdout=subprocess.PIPE, check=True)
            results[impl] = json.loads(proc.stdout.decode().strip().splitlines()[-1])
            if recv and "batch" in results[impl]:
                got = len(recv.records())
                want = sizes["batch"] + sizes["async"]
                results[impl]["delivered"] = "%d/%d" % (got, want)
    finally:
        if recv:
            recv.close()
        sink.stdin.close()
        sink.wait()
    report(results)


def report(r):
    ours, ref = r.get("ours", {}), r.get("ref", {})
    rows = [("LoggingConsumer", "logging"), ("ConcurrentLoggingConsumer", "concurrent"),
            ("BatchConsumer -> minimal sink", "batch_sink"),
            ("BatchConsumer -> loopback receiver", "batch")]
    print("6-property track(), one thread; ev/s (wall) and CPU µs per event (this process)")
    print("%-36s %24s %24s %14s" % ("", "ours", "reference 1.11.0", "ratio wall/cpu"))
    for title, key in rows:
        if key not in ours:
            continue
        a, b = ours[key], ref.get(key)
        print("%-36s %11.0f/s %8.2f µs %11s/s %8s µs %6s %6s" % (
            title, a["rate"], a["cpu_us"], "%.0f" % b["rate"] if b else "-", "%.2f" % b["cpu_us"] if b else "-",
            "%.1fx" % (a["rate"] / b["rate"]) if b else "-", "%.1fx" % (b["cpu_us"] / a["cpu_us"]) if b else "-"))
    if "async" in ours:
        a, b = ours["async"], ref.get("async")
        for q in ("p50", "p99", "p999"):
            print("%-36s %20.2f µs %20s µs %6s" % (
                "AsyncBatchConsumer track() %s" % q.replace("p999", "p99.9"), a[q],
                "%.2f" % b[q] if b else "-", "%.1fx" % (b[q] / a[q]) if b else "-"))
    for side in ("ours", "ref"):
        if "delivered" in r.get(side, {}):
            print("records the receiver got (%s): %s" % (side, r[side]["delivered"]))
    print("load average: %.1f %.1f %.1f" % os.getloadavg())


if __name__ == "__main__":
    main()
