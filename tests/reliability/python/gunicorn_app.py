"""A WSGI app for gunicorn --preload: the client is created at import, in the master,
before the workers are forked; each request tracks one record (seq from the query string).
The master also tracks one record (seq = SA_PRELOAD_SEQ) before forking."""

import os
from urllib.parse import parse_qs

import sensorsanalytics as sa_mod

sa = sa_mod.SensorsAnalytics(sa_mod.AsyncBatchConsumer(os.environ["SA_URL"], flush_max_time=1))
sa.track("master", "Preload", {"seq": int(os.environ["SA_PRELOAD_SEQ"]), "pid": os.getpid()})


def app(environ, start_response):
    seq = int(parse_qs(environ.get("QUERY_STRING", ""))["seq"][0])
    sa.track("u%d" % seq, "Request", {"seq": seq, "pid": os.getpid()})
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
