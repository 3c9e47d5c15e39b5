"""1 000 000 track() calls through AsyncBatchConsumer to a closed port: prints the peak RSS
(VmHWM, KiB) before and after, and what the SDK reported. Usage: memory_child.py MAX_SIZE

VmHWM, not getrusage: ru_maxrss survives exec on Linux, so a child would start with its
parent's (pytest's) peak."""

import json
import socket
import sys
import time

import sensorsanalytics as sa_mod



def vm_hwm_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


max_size = int(sys.argv[1])
calls = 1000000
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()  # nothing listens there now: connections are refused


class Capture(object):
    """A consumer of our own, to learn the size of one record line."""

    def send(self, msg):
        self.line = msg

    def flush(self):
        pass

    def close(self):
        pass


cap = Capture()
sa_mod.SensorsAnalytics(cap).track("u999999", "Memory", {"seq": 999999, "pad": "m" * 120})
record_len = len(cap.line.encode("utf-8"))
consumer = sa_mod.AsyncBatchConsumer("http://127.0.0.1:%d/sa?project=default" % port, max_size=max_size)
sa = sa_mod.SensorsAnalytics(consumer)
props = {"seq": 0, "pad": "m" * 120}
sa.track("u0", "Memory", props)
base = vm_hwm_kib()
refused = 0
t0 = time.time()
for i in range(1, calls):
    props["seq"] = i
    try:
        sa.track("u%d" % i, "Memory", props)
    except sa_mod.SensorsAnalyticsNetworkException:
        refused += 1
secs = time.time() - t0
peak = vm_hwm_kib()
st = consumer.stats()
print(json.dumps({"record_len": record_len, "base_kib": base, "peak_kib": peak, "refused": refused, "dropped": st["dropped"],
                  "queued": st["queue_depth"] + st["in_flight"], "failed": st["failed"], "secs": secs}))
sys.stdout.flush()
sa_mod.set_exit_flush_timeout(0.5)  # the server is dead: do not wait at exit
