"""One of the processes sharing a ConcurrentLoggingConsumer file: tracks N records tagged
with its number, then closes, or just exits (the exit hook flushes the buffer).
Usage: files_writer.py PREFIX PROC N close|exit"""

import sys

import sensorsanalytics as sa_mod

prefix, proc, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sa = sa_mod.SensorsAnalytics(sa_mod.ConcurrentLoggingConsumer(prefix))
for i in range(n):
    sa.track("u%d" % i, "File", {"p": proc, "seq": i})
if mode == "close":
    sa.close()
