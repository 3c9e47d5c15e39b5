"""The HTTP consumers against the loopback receiver, and the `_do_request(form_dict)` hook."""

import base64
import gzip
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import unittest.mock

import pytest

import receiver as receiver_mod
import sensorsanalytics as sa
from sensorsanalytics import SensorsAnalytics

receiver_mod.skip_module_unless_built()


wait_for = receiver_mod.wait_for


def decode_form(form):
    """What the reference's own test does with a form: base64 → gunzip → JSON records."""
    if "data" in form:
        return [json.loads(gzip.decompress(base64.b64decode(form["data"])).decode("utf8"))]
    return json.loads(gzip.decompress(base64.b64decode(form["data_list"])).decode("utf8"))


class Counter(object):
    """The reference test's mock_request: counts records, checks each."""

    def __init__(self):
        self.forms = []
        self.count = 0

    def __call__(self, form):
        assert set(form) in ({"data", "gzip"}, {"data_list", "gzip"}) and form["gzip"] == 1
        assert isinstance(form.get("data", form.get("data_list")), bytes)
        assert list(form)[1] == "gzip"
        self.forms.append(form)
        for data in decode_form(form):
            assert data["distinct_id"] == "1234" and data["time"] and data["type"]
            assert isinstance(data["properties"], dict)
            self.count += 1


def seven_calls(client):
    client.track("1234", "Test", {"From": "Baidu"})
    client.track_signup("1234", "abcd", {"Channel": "Hongbao"})
    client.profile_delete("1234")
    client.profile_append("1234", {"Gender": ["Male"]})
    client.profile_increment("1234", {"CardNum": 1})


# -- against the receiver -----------------------------------------------------------------

def test_default_consumer_sends_each_record(receiver):
    consumer = sa.DefaultConsumer(receiver.url, request_timeout=5000)
    client = SensorsAnalytics(consumer)
    client.track("u1", "ViewProduct", {"price": 9.5})
    client.profile_set("u1", {"name": "Ann"})
    records = receiver.records()
    assert [r["type"] for r in records] == ["track", "profile_set"]
    assert records[0]["properties"]["price"] == 9.5
    req = receiver.requests()[0]
    assert req["field"] == "data" and req["gzip"] is True
    assert consumer.stats()["sent"] == 2


def test_batch_consumer_sends_full_batches(receiver):
    client = SensorsAnalytics(sa.BatchConsumer(receiver.url, max_size=5))
    for i in range(4):
        client.track("u1", "E", {"i": i})
    assert receiver.records() == []
    client.track("u1", "E", {"i": 4})
    assert len(receiver.records()) == 5
    client.track("u1", "E", {"i": 5})
    client.flush()
    assert [r["properties"]["i"] for r in receiver.records()] == list(range(6))
    assert {r["field"] for r in receiver.requests()} == {"data_list"}
    client.close()


def test_batch_consumer_caps_max_size_at_50(receiver):
    client = SensorsAnalytics(sa.BatchConsumer(receiver.url, max_size=500))
    for i in range(50):
        client.track("u1", "E", {"i": i})
    assert len(receiver.records()) == 50


def test_async_batch_consumer(receiver):
    client = SensorsAnalytics(sa.AsyncBatchConsumer(receiver.url, flush_max_time=3, flush_size=5))
    for i in range(5):
        client.track("u1", "E", {"i": i})
    assert wait_for(lambda: len(receiver.records()) == 5)
    client.track("u1", "E", {"i": 5})
    client.flush()
    assert len(receiver.records()) == 6
    client.track("u1", "E", {"i": 6})
    client.close()
    assert sorted(r["properties"]["i"] for r in receiver.records()) == list(range(7))


def test_async_batch_consumer_time_based_flush(receiver):
    client = SensorsAnalytics(sa.AsyncBatchConsumer(receiver.url, flush_max_time=0.2, flush_size=100))
    client.track("u1", "E")
    assert wait_for(lambda: len(receiver.records()) == 1, timeout=5)
    client.close()


def test_async_queue_full_is_a_network_error(receiver):
    # Nothing is due to be sent for a minute: the queue (3) and the batch being gathered (at
    # most max_batch_size) fill up.
    client = SensorsAnalytics(sa.AsyncBatchConsumer(receiver.url, flush_max_time=60, flush_size=1000,
                                                    max_batch_size=10, max_size=3))
    accepted = 0
    with pytest.raises(sa.SensorsAnalyticsNetworkException, match="full"):
        for _ in range(1000):
            client.track("u1", "E")
            accepted += 1
    assert 3 <= accepted <= 13
    assert client._consumer.stats()["dropped"] == 1
    client.close()
    assert len(receiver.records()) == accepted


def test_debug_consumer(receiver, capsys):
    client = SensorsAnalytics(sa.DebugConsumer(receiver.url, write_data=False))
    client.track("u1", "E", {"a": 1})
    req = receiver.requests()[0]
    assert req["path"] == "/debug" and req["dry_run"] == "true" and req["query"] == "project=default"
    out = capsys.readouterr().out
    assert "valid message: " in out and '"a":1' in out
    receiver.control(statuses=[400])
    with pytest.raises(sa.SensorsAnalyticsDebugException):
        client.track("u1", "E", {"a": 2})
    assert "ret_code: 400" in capsys.readouterr().out
    assert not issubclass(sa.SensorsAnalyticsDebugException, sa.SensorsAnalyticsException)


def test_http_error_is_a_network_exception(receiver):
    receiver.control(default_status=500)
    client = SensorsAnalytics(sa.DefaultConsumer(receiver.url))
    with pytest.raises(sa.SensorsAnalyticsNetworkException, match="500"):
        client.track("u1", "E")


def test_refused_connection_is_a_network_exception():
    client = SensorsAnalytics(sa.DefaultConsumer("http://127.0.0.1:9/sa", request_timeout=2000))
    with pytest.raises(sa.SensorsAnalyticsNetworkException):
        client.track("u1", "E")


def test_bad_url_fails_at_construction():
    with pytest.raises(ValueError):
        sa.DefaultConsumer("not a url")


def test_gil_is_released_during_requests(receiver):
    receiver.control(delay_ms=300)
    client = SensorsAnalytics(sa.DefaultConsumer(receiver.url))
    ticks = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.05)
    before = ticks[0]
    client.track("u1", "E")  # waits ~300 ms on the network
    during = ticks[0] - before
    stop.set()
    t.join()
    assert during > 10000, during


def test_async_records_are_given_up_on_loudly(receiver, caplog):
    receiver.control(default_status=400)  # a final answer: no retries
    consumer = sa.AsyncBatchConsumer(receiver.url, flush_size=1)
    client = SensorsAnalytics(consumer)
    with caplog.at_level("WARNING", logger="sensorsanalytics"):
        client.track("u1", "E")
        with pytest.raises(sa.SensorsAnalyticsNetworkException):
            client.flush()
        assert wait_for(lambda: any("gave up on 1 records" in r.getMessage() for r in caplog.records))
    assert consumer.stats()["failed"] == 1


# -- the _do_request hook -----------------------------------------------------------------

def test_default_consumer_instance_hook():
    consumer = sa.DefaultConsumer("http://127.0.0.1:9/sa")
    counter = Counter()
    consumer._do_request = counter
    client = SensorsAnalytics(consumer)
    seven_calls(client)
    client.profile_set("1234", {"City": "北京"})
    client.profile_unset("1234", ["City"])
    assert counter.count == 7
    assert all("data" in f for f in counter.forms)


def test_hook_assigned_after_the_client_is_made():
    consumer = sa.DefaultConsumer("http://127.0.0.1:9/sa")
    client = SensorsAnalytics(consumer)
    counter = Counter()
    consumer._do_request = counter
    client.track("1234", "E")
    assert counter.count == 1


def test_batch_consumer_instance_hook():
    consumer = sa.BatchConsumer("http://127.0.0.1:9/sa", max_size=5)
    counter = Counter()
    consumer._do_request = counter
    client = SensorsAnalytics(consumer)
    client.track("1234", "Test", {"From": "Baidu"})
    client.track_signup("1234", "abcd", {"Channel": "Hongbao"})
    client.profile_delete("1234")
    client.profile_append("1234", {"Gender": ["Male"]})
    assert counter.count == 0
    client.profile_increment("1234", {"CardNum": 1})
    assert counter.count == 5
    client.profile_set("1234", {"City": "北京"})
    client.profile_unset("1234", ["City"])
    assert counter.count == 5
    client.flush()
    assert counter.count == 7
    client.close()
    assert counter.count == 7
    assert all("data_list" in f for f in counter.forms)


def test_async_batch_consumer_instance_hook():
    consumer = sa.AsyncBatchConsumer("http://127.0.0.1:9/sa", flush_max_time=3, flush_size=5)
    counter = Counter()
    consumer._do_request = counter
    client = SensorsAnalytics(consumer)
    seven_calls(client)
    assert wait_for(lambda: counter.count == 5)
    client.profile_set("1234", {"City": "北京"})
    client.profile_unset("1234", ["City"])
    client.flush()
    assert counter.count == 7
    client.track("1234", "Test", {"From": "Google"})
    client.close()
    assert counter.count == 8


def test_subclass_hook_and_super_call(receiver):
    seen = []

    class Recording(sa.DefaultConsumer):
        def _do_request(self, data):
            seen.append(decode_form(data)[0]["event"])
            return super()._do_request(data)  # ours: posts to the server

    client = SensorsAnalytics(Recording(receiver.url))
    client.track("u1", "Hooked")
    assert seen == ["Hooked"]
    assert [r["event"] for r in receiver.records()] == ["Hooked"]


def test_class_patched_after_construction():
    consumer = sa.DefaultConsumer("http://127.0.0.1:9/sa")
    client = SensorsAnalytics(consumer)
    with unittest.mock.patch.object(sa.DefaultConsumer, "_do_request") as fake:
        client.track("u1", "E")
    (form,), _ = fake.call_args
    assert decode_form(form)[0]["event"] == "E"


def test_hook_exception_reaches_the_caller():
    class Offline(Exception):
        pass

    def fail(form):
        raise Offline("no network in tests")

    consumer = sa.DefaultConsumer("http://127.0.0.1:9/sa")
    consumer._do_request = fail
    client = SensorsAnalytics(consumer)
    with pytest.raises(Offline, match="no network in tests"):
        client.track("u1", "E")


def test_debug_consumer_hook(capsys):
    class Response(object):
        code = 200

    consumer = sa.DebugConsumer("http://127.0.0.1:9/sa", False)
    forms = []
    consumer._do_request = lambda form: forms.append(form) or Response()
    SensorsAnalytics(consumer).track(1234, "Test", {"From1": "Baidu"}, is_login_id=True)
    assert decode_form(forms[0])[0]["properties"]["$is_login_id"] is True
    assert "valid message" in capsys.readouterr().out


# -- process life -------------------------------------------------------------------------

def _run(script, timeout=60):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def test_exit_drains_async_consumers(receiver):
    out = _run("""
        import sensorsanalytics as sa
        client = sa.SensorsAnalytics(sa.AsyncBatchConsumer(%r, flush_max_time=60, flush_size=1000))
        for i in range(25):
            client.track("u1", "E", {"i": i})
    """ % receiver.url)
    assert out.returncode == 0, out.stderr
    assert len(receiver.records()) == 25


def test_exit_is_bounded_when_the_server_hangs(receiver):
    receiver.control(delay_ms=30000)
    started = time.time()
    out = _run("""
        import sensorsanalytics as sa
        sa.set_exit_flush_timeout(1.0)
        client = sa.SensorsAnalytics(sa.AsyncBatchConsumer(%r, flush_max_time=60))
        client.track("u1", "E")
    """ % receiver.url)
    elapsed = time.time() - started
    assert out.returncode == 0, out.stderr
    assert elapsed < 10, elapsed
    assert b"did not finish within 1.0 s" in out.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_with_async_consumer(receiver):
    client = SensorsAnalytics(sa.AsyncBatchConsumer(receiver.url, flush_max_time=60, flush_size=1000))
    client.track("parent-before", "E")  # queued in the parent when it forks
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            client.track("child", "E")
            client.flush()
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    client.track("parent-after", "E")
    client.close()
    assert sorted(r["distinct_id"] for r in receiver.records()) == ["child", "parent-after", "parent-before"]


def test_dropping_an_async_client_does_not_wait(receiver):
    receiver.control(delay_ms=30000)
    started = time.time()
    out = _run("""
        import time
        import sensorsanalytics as sa
        sa.set_exit_flush_timeout(1.0)
        def handler():
            client = sa.SensorsAnalytics(sa.AsyncBatchConsumer(%r, flush_max_time=60))
            client.track("u1", "E")
        t = time.time()
        handler()  # the client and its consumer are dropped here
        print("dropped in %%.2f s" %% (time.time() - t))
    """ % receiver.url)
    assert out.returncode == 0, out.stderr
    dropped = float(out.stdout.split()[2])
    assert dropped < 0.5, out.stdout
    assert time.time() - started < 10


def test_dropped_async_client_still_delivers(receiver):
    out = _run("""
        import sensorsanalytics as sa
        def handler():
            client = sa.SensorsAnalytics(sa.AsyncBatchConsumer(%r, flush_max_time=60))
            for i in range(7):
                client.track("u1", "E", {"i": i})
        handler()
    """ % receiver.url)
    assert out.returncode == 0, out.stderr
    assert len(receiver.records()) == 7
