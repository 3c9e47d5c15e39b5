"""Tracks N records with AsyncBatchConsumer and ends WITHOUT close(): the SDK's exit hook
must deliver them all, within its bound. Prints the time tracking ended (the parent measures
how long exit took from there). Usage: exit_child.py URL N"""

import sys
import time

import sensorsanalytics as sa_mod

url, n = sys.argv[1], int(sys.argv[2])
# A queue that holds all N: the scenario is about exit, not about a full queue.
sa = sa_mod.SensorsAnalytics(sa_mod.AsyncBatchConsumer(url, max_size=n))
for i in range(n):
    sa.track("u%d" % i, "Exit", {"seq": i})
sys.stdout.write("%.6f\n" % time.time())
sys.stdout.flush()
# No close(), no flush(): the interpreter exits here.
