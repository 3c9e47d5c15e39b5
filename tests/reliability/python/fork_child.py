"""A client created before os.fork(), used in the parent and in two children: one child
closes it, the other just exits (the exit hook). Each record must be sent once: what the
parent had buffered or queued before the fork is the parent's to send, never the child's.
Usage: fork_child.py URL batch|async"""

import os
import sys

import sensorsanalytics as sa_mod

url, kind = sys.argv[1], sys.argv[2]
# The async queue holds what the parent tracks at once (the default 1000 would refuse some:
# reported, but this scenario is about fork).
consumer = sa_mod.BatchConsumer(url, 50) if kind == "batch" else sa_mod.AsyncBatchConsumer(url, max_size=10000)
sa = sa_mod.SensorsAnalytics(consumer)


def track(lo, hi, who):
    for i in range(lo, hi):
        sa.track("u%d" % i, "Fork", {"seq": i, "who": who, "pid": os.getpid()})


# Batch: two batches sent, 20 records left in the buffer at the fork; async: all queued.
track(0, 120, "parent-before-fork")
children = []
for k, (lo, hi) in enumerate([(1000, 2000), (2000, 3000)]):
    pid = os.fork()
    if pid == 0:
        track(lo, hi, "child%d" % k)
        if k == 0:
            sa.close()
        sys.exit(0)  # child 1: no close, the exit hook flushes
    children.append(pid)
track(3000, 4000, "parent-after-fork")
status = [os.waitpid(pid, 0)[1] for pid in children]
sa.close()
print("children exit status: %s" % status)
sys.exit(1 if any(status) else 0)
